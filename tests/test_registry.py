"""The registries are dictionaries of lazy getters whose keys are the objects' names."""

import pytest
from xdsl.dialects import get_all_dialects as upstream_dialects
from xdsl.transforms import get_all_passes as upstream_passes

from npu_dialect.universe import NPU_UNIVERSE, get_all_dialects, get_all_targets
from npu_tools.npu_opt import merge_registries
from transforms import get_all_passes


@pytest.mark.parametrize("name", sorted(get_all_passes()))
def test_pass_key_is_pass_name(name: str) -> None:
    assert get_all_passes()[name]().name == name


@pytest.mark.parametrize("name", sorted(get_all_dialects()))
def test_dialect_key_is_dialect_name(name: str) -> None:
    assert get_all_dialects()[name]().name == name


@pytest.mark.parametrize("name", sorted(get_all_targets()))
def test_target_key_is_target_name(name: str) -> None:
    assert get_all_targets()[name]().name == name


def test_no_clash_with_upstream() -> None:
    merge_registries(upstream_dialects(), get_all_dialects(), "dialect")
    merge_registries(upstream_passes(), get_all_passes(), "pass")


def test_clash_fails_loudly() -> None:
    with pytest.raises(ValueError, match="pass defined both upstream and in npu: cse"):
        merge_registries(upstream_passes(), {"cse": lambda: None}, "pass")


def test_universe_lists_everything() -> None:
    assert set(NPU_UNIVERSE.all_dialects) == {"nn", "npu"}
    assert set(NPU_UNIVERSE.all_passes) == set(get_all_passes())
