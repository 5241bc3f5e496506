"""What a user's input to a component or modal looks like in an interaction.

A click on a button carries nothing; a select carries the picked ``values`` (and ``resolved`` data
for user/role/channel selects); a modal submission mirrors the modal's layout (action rows or
labels) with each field's value. The Discord client only lets a user pick declared options,
within ``min_values``/``max_values``, and fill required fields within their lengths, so these
rules are enforced here and violations raise in the test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ComponentError, EmulatorUsageError
from .models import JSON, Channel, Role, User
from .serialize import partial_channel_json, role_json, user_json
from .state import EmulatorState

ACTION_ROW = 1
BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4
USER_SELECT = 5
ROLE_SELECT = 6
MENTIONABLE_SELECT = 7
CHANNEL_SELECT = 8
LABEL = 18
SELECT_TYPES = (STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT)


def component_values(
    state: EmulatorState,
    component: JSON,
    values: Iterable[Any] | None,
    channel: Channel,
    user: User,
) -> tuple[list[str] | None, JSON | None]:
    """``(data.values, data.resolved)`` for using ``component``; raises on impossible input."""
    kind = component["type"]
    if kind == BUTTON:
        if values is not None:
            raise ComponentError("buttons take no values")
        return None, None
    if kind not in SELECT_TYPES:
        raise ComponentError(f"component type {kind} is not clickable")
    picked = list(values or [])
    low = component.get("min_values", 1)
    high = component.get("max_values", 1)
    if not low <= len(picked) <= high:
        raise ComponentError(f"select takes {low}..{high} values, got {len(picked)}")
    if kind == STRING_SELECT:
        allowed = [o["value"] for o in component.get("options") or []]
        bad = [v for v in picked if v not in allowed]
        if bad:
            raise ComponentError(f"values {bad} are not options of the select ({allowed})")
        return [str(v) for v in picked], None
    return _entity_values(state, picked, channel, user)


def _entity_values(
    state: EmulatorState, picked: list[Any], channel: Channel, user: User
) -> tuple[list[str], JSON]:
    resolved: dict[str, dict[str, JSON]] = {}
    ids: list[str] = []
    roles = state.guilds[channel.guild_id].roles if channel.guild_id is not None else {}
    for value in picked:
        if isinstance(value, Role) or (isinstance(value, int) and value in roles):
            role = value if isinstance(value, Role) else roles[value]
            resolved.setdefault("roles", {})[str(role.id)] = role_json(role)
            ids.append(str(role.id))
        elif isinstance(value, Channel) or (isinstance(value, int) and value in state.channels):
            target = value if isinstance(value, Channel) else state.channels[value]
            perms = state.permissions_in(target, user.id)
            resolved.setdefault("channels", {})[str(target.id)] = partial_channel_json(
                target, perms
            )
            ids.append(str(target.id))
        else:
            user_id = value.id if isinstance(value, User) else value
            picked_user = state.users.get(user_id) if isinstance(user_id, int) else None
            if picked_user is None:
                raise ComponentError(f"cannot select {value!r}: not a user, role or channel")
            resolved.setdefault("users", {})[str(picked_user.id)] = user_json(picked_user)
            ids.append(str(picked_user.id))
    return ids, resolved


def modal_submission(modal: JSON, values: Mapping[str, str | list[str]]) -> list[JSON]:
    """Mirror the modal's layout with the user's input, validating required/length rules."""
    remaining = dict(values)

    def field_for(component: JSON) -> JSON | None:
        kind = component.get("type")
        custom_id = component.get("custom_id")
        if custom_id is None:
            return None
        given = remaining.pop(custom_id, None)
        if kind == TEXT_INPUT:
            text = "" if given is None else str(given)
            if component.get("required", True) and not text:
                raise EmulatorUsageError(f"modal field {custom_id!r} is required")
            low, high = component.get("min_length"), component.get("max_length")
            if text and ((low and len(text) < low) or (high and len(text) > high)):
                raise EmulatorUsageError(
                    f"modal field {custom_id!r} length outside [{low}, {high}]"
                )
            return {
                "type": TEXT_INPUT,
                "id": component.get("id"),
                "custom_id": custom_id,
                "value": text,
            }
        picked = [] if given is None else ([given] if isinstance(given, str) else list(given))
        return {"type": kind, "id": component.get("id"), "custom_id": custom_id, "values": picked}

    result: list[JSON] = []
    for component in modal.get("components") or []:
        kind = component.get("type")
        if kind == ACTION_ROW:
            inner = [f for f in (field_for(c) for c in component.get("components") or []) if f]
            result.append({"type": ACTION_ROW, "id": component.get("id"), "components": inner})
        elif kind == LABEL and isinstance(component.get("component"), dict):
            inner_field = field_for(component["component"])
            if inner_field is not None:
                result.append({"type": LABEL, "id": component.get("id"), "component": inner_field})
    if remaining:
        raise EmulatorUsageError(f"modal has no fields {sorted(remaining)}")
    return result
