"""Creating study groups: unsafe names are refused before anything is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.errors import InvalidInput
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.social import Social
from bot.store import Store
from tests.harness import PATHWAYS, SEED

GUILD = 100


@pytest.mark.parametrize(
    "name",
    [
        "[discord.com/settings](https://evil.example/login)",
        "@everyone",
        "<@&123456789012345678>",
        "Spring\x00Cohort",
        "\u202eevil",
        "\u200b\u3164",
        "x" * 6000,
    ],
)
async def test_unsafe_group_names_are_refused_and_nothing_is_stored(
    tmp_path: Path, name: str
) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        social = Social(Context(store, PathwayRegistry(PATHWAYS), clock))
        with pytest.raises(InvalidInput, match="group name"):
            await social.create_group(GUILD, 1, True, name, SEED, None, None)
        assert await store.groups.list_for_guild(GUILD) == []


async def test_markdown_names_are_kept_and_found_however_they_are_pasted(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        social = Social(Context(store, PathwayRegistry(PATHWAYS), clock))
        created = await social.create_group(
            GUILD, 1, True, "  **Night**\u200b  owls ", SEED, None, None
        )
        assert created.name == "**Night** owls"
        found = await social.group(GUILD, "**night**\ufeff owls")
        assert found.id == created.id
