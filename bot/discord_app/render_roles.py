"""Texts about milestone roles: the setup reply, refusals that say what to change, and the
notice when Discord refused a grant."""

from __future__ import annotations

from bot.core.untrusted import escape_text

KEEP_RULE = (
    "Roles stay once given: `/undo` and `/leave` never take one away. Remove it by hand "
    "if you need to."
)


def role_ref(role_id: int, name: str | None) -> str:
    """A role mention (renders in the server) with its name for places where it cannot."""
    return f"<@&{role_id}>" + (f" (**{escape_text(name, 80)}**)" if name else "")


def mapped_text(milestone: str, meaning: str, role_id: int) -> str:
    return "\n".join(
        [
            f"🏅 Learners here who reach **{milestone}** ({meaning}) now get <@&{role_id}>.",
            "Those who already reached it get it shortly too.",
            KEEP_RULE,
        ]
    )


def removed_text(milestone: str, role_id: int | None) -> str:
    if role_id is None:
        return f"No role was set for **{milestone}**, so nothing changed."
    return (
        f"Learners reaching **{milestone}** no longer get <@&{role_id}>. Members who have it "
        "keep it."
    )


def missing_manage_roles(bot_role: str | None) -> str:
    where = f"my role **{escape_text(bot_role, 80)}**" if bot_role else "my role"
    return (
        "I can't give roles here: I don't have the **Manage Roles** permission. In Server "
        f"Settings → Roles, open {where} and turn on **Manage Roles**, then run this again."
    )


def role_too_high(role: str, bot_role: str | None) -> str:
    mine = f"my highest role **{escape_text(bot_role, 80)}**" if bot_role else "my highest role"
    return (
        f"I can't give **{escape_text(role, 80)}**: it sits above {mine} (or at the same "
        f"place). In Server Settings → Roles, drag {mine} above **{escape_text(role, 80)}**, "
        "then run this again."
    )


def role_managed(role: str) -> str:
    return (
        f"**{escape_text(role, 80)}** is managed by Discord or an integration (a bot's own "
        "role, the booster role or a linked role), and nobody can give it by hand. Pick or "
        "create an ordinary role."
    )


EVERYONE = "That is **@everyone**, which every member has already. Pick another role."


def disabled_notice(
    milestone: str, role_id: int, role_name: str | None, error: str, guild_name: str | None
) -> str:
    where = f" in **{escape_text(guild_name, 100)}**" if guild_name else ""
    return (
        f"⚠️ **Milestone role turned off**{where}. Discord refused when I tried to give "
        f"{role_ref(role_id, role_name)} for reaching **{milestone}** ({escape_text(error, 120)}), "
        "so I stopped trying instead of retrying it for every learner.\n"
        "To fix it: give my role the **Manage Roles** permission and drag it above that role "
        "in Server Settings → Roles (or pick another role), then run "
        f"`/setup milestone-role milestone:{milestone} role:…` again. Learners who reached "
        "it meanwhile get the role then."
    )


def kept_roles_text(role_ids: list[int], after: str) -> str:
    """'' without roles; else a line saying the roles stay after `after` ("undoing an item")."""
    if not role_ids:
        return ""
    roles = ", ".join(f"<@&{r}>" for r in role_ids)
    its = "it" if len(role_ids) == 1 else "them"
    return (
        f"\n🏅 Your milestone role{'s' if len(role_ids) != 1 else ''} {roles} "
        f"{'stays' if len(role_ids) == 1 else 'stay'}: {after} never takes {its} away."
    )


def mappings_text(mapped: list[tuple[str, int, bool]]) -> str:
    """'Milestone roles here: first week → @A, phase 2 → @B (off)' from (label, role, on)."""
    if not mapped:
        return "No milestone roles are set here."
    parts = [
        f"{label} → <@&{role_id}>" + ("" if on else " (**off** since Discord refused it)")
        for label, role_id, on in mapped
    ]
    return "Milestone roles here: " + ", ".join(parts) + "."
