"""Criteria files: the shipped ones load and cite their sources; a broken one is answered with
every problem, its key path and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ngheo_cli.errors import CriteriaError
from ngheo_cli.standards.load import DEFAULT_STANDARD, builtin_dir, builtin_ids, load_standard

SHIPPED = ["ha-noi-2022-2025", "vn-2022-2025"]


def test_shipped_standards_are_found_and_ha_noi_is_the_default():
    assert set(SHIPPED) <= set(builtin_ids())
    assert DEFAULT_STANDARD == "ha-noi-2022-2025"


@pytest.mark.parametrize("standard_id", SHIPPED)
def test_every_line_parameter_value_set_and_indicator_cites_a_source(standard_id):
    model = load_standard(standard_id).model
    sourced = [*model.income_lines.values(), *model.score_lines.values(), *model.parameters.values(),
               *model.value_sets.values(), *model.indicators]
    assert sourced and all(item.source.document and item.source.confidence for item in sourced)
    assert all(rule.source is not None for rule in model.classes[:-1])
    assert [i.id for i in model.indicators] == [
        "viec_lam", "nguoi_phu_thuoc", "dinh_duong", "bhyt", "gd_nguoi_lon", "di_hoc_tre_em",
        "chat_luong_nha", "dien_tich_nha", "nguon_nuoc", "nha_tieu", "vien_thong", "phuong_tien_thong_tin",
    ]


def test_national_lines_and_validity_follow_the_decrees():
    model = load_standard("vn-2022-2025").model
    assert (model.income_lines["poverty_line"].rural, model.income_lines["poverty_line"].urban) == (1_500_000, 2_000_000)
    assert (model.income_lines["middle_income_line"].rural, model.income_lines["middle_income_line"].urban) == (2_250_000, 3_000_000)
    assert (model.score_lines["poverty_line"].rural, model.score_lines["poverty_line"].urban) == (140, 175)
    assert (str(model.valid_from), str(model.valid_to)) == ("2022-01-01", "2026-12-31")
    assert model.provisional is False


def test_ha_noi_is_provisional_and_says_why():
    model = load_standard("ha-noi-2022-2025").model
    assert model.provisional and "not found" in model.provisional_note
    assert model.income_lines["poverty_line"].source.confidence == "unconfirmed"
    assert model.score_lines == {}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def national_text() -> str:
    return (builtin_dir() / "vn-2022-2025.yaml").read_text(encoding="utf-8")


def test_a_custom_standard_by_path_extending_a_shipped_one(tmp_path):
    path = write(tmp_path, """format_version: 1
extends: vn-2022-2025
id: dong-nai-2022-2025
name: {vi: Đồng Nai, en: Dong Nai}
legal_basis: [{document: Đồng Nai 2022–2025, confidence: confirmed}]
income_lines:
  poverty_line: {rural: 2000000, urban: 2500000, source: {document: x, confidence: confirmed}}
  middle_income_line: {rural: 3000000, urban: 3750000, source: {document: x, confidence: confirmed}}
score_lines: {}
""")
    standard = load_standard(str(path))
    assert standard.id == "dong-nai-2022-2025"
    assert len(standard.derivations) == 12


def test_unknown_keys_are_errors_with_their_line(tmp_path):
    text = national_text().replace("provisional: false", "provisional: false\nprovisonal_note: typo")
    with pytest.raises(CriteriaError) as error:
        load_standard(str(write(tmp_path, text)))
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("provisonal_note"))
    assert f"provisonal_note (line {line}): unknown key" in error.value.message


def test_every_problem_is_reported_at_once(tmp_path):
    text = (national_text()
            .replace("derive: house_type in non_durable_house", "derive: house_typo in non_durable_house")
            .replace("when: income <= poverty_line and deprivation_count >= 3", "when: income <= povrty_line and deprivation_count >= 3")
            .replace("dimension: nha_o\n    name: {vi: Diện tích", "dimension: nha\n    name: {vi: Diện tích"))
    with pytest.raises(CriteriaError) as error:
        load_standard(str(write(tmp_path, text)))
    message = error.value.message
    assert "3 problem(s)" in message
    assert "indicators.6.derive" in message and "unknown name 'house_typo'" in message
    assert "classes.0.when" in message and "unknown name 'povrty_line'" in message
    assert "indicators.7.dimension" in message and "unknown dimension 'nha'" in message


def test_a_line_that_is_not_a_positive_number(tmp_path):
    text = national_text().replace("    rural: 1500000\n", "    rural: -1500000\n", 1)
    with pytest.raises(CriteriaError) as error:
        load_standard(str(write(tmp_path, text)))
    assert "income_lines.poverty_line.rural" in error.value.message and "greater than 0" in error.value.message


def test_value_sets_must_use_the_survey_categories(tmp_path):
    text = national_text().replace("values: [thiếu kiên cố, đơn sơ]", "values: [thiếu kiên cố, nhà tạm]")
    with pytest.raises(CriteriaError) as error:
        load_standard(str(write(tmp_path, text)))
    assert "'nhà tạm' is not a value of house_type" in error.value.message


def test_yaml_syntax_error_gives_the_line(tmp_path):
    with pytest.raises(CriteriaError) as error:
        load_standard(str(write(tmp_path, "id: [unclosed\nname: x\n")))
    assert "not valid YAML (line" in error.value.message


def test_the_last_rule_must_catch_every_household(tmp_path):
    data = yaml.safe_load(national_text())
    data["classes"] = data["classes"][:-1]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CriteriaError) as error:
        load_standard(str(path))
    assert "last class rule must be" in error.value.message


def test_more_indicators_than_a_household_row_can_hold_are_refused_when_the_standard_is_read(tmp_path):
    """The engine keeps each household's indicators as the bits of one 64-bit integer: a standard
    with more is told so when it is loaded, not by a crash in the middle of a run."""
    data = yaml.safe_load(national_text())
    extra = data["indicators"][-1]
    data["indicators"] += [{**extra, "id": f"them_{k}"} for k in range(65 - len(data["indicators"]))]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CriteriaError) as error:
        load_standard(str(path))
    assert "indicators" in error.value.message and "at most 64" in error.value.message
    data["indicators"].pop()  # 64: read, and each household's last indicator counted and named
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from conftest import SAMPLE

    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.pipeline import run_classification

    roster = run_classification(read_grids(SAMPLE), load_standard(str(path)), SAMPLE.name, year=2025).roster
    last = roster[f"d_{data['indicators'][-1]['id']}"].astype("boolean")  # (bit 63)
    assert last.any()
    first_copy = roster["d_them_0"].astype("boolean")  # (the copies derive alike; the sheet answers none of them)
    assert last.equals(first_copy)
    indicators = [f"d_{i['id']}" for i in data["indicators"]]
    read = roster[roster["classification"] != "rejected"]
    assert read["deprivation_count"].tolist() == read[indicators].fillna(0).sum(axis=1).astype("int64").tolist()
    named = roster.loc[last.fillna(False).to_numpy(), "reason"]
    named = named[named.str.contains("thiếu hụt")]  # (the rules whose reasons list the deprivations)
    assert len(named) and named.str.endswith(extra["name"]["vi"].lower()).all()  # (the last indicator: named last)


def test_unknown_standard_lists_the_built_in_ones():
    with pytest.raises(CriteriaError) as error:
        load_standard("vn-2099")
    assert "vn-2022-2025" in error.value.hint


def test_a_reason_without_any_field_is_written_for_every_household_of_its_rule(tmp_path):
    """A province may word a reason with no amounts in it; each of its households still gets it."""
    from conftest import SAMPLE

    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.pipeline import run_classification

    data = yaml.safe_load(national_text())
    data["id"] = "plain-reasons"
    data["classes"][-1]["reason"] = {"vi": "không thuộc diện nghèo", "en": "not poor"}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    roster = run_classification(read_grids(SAMPLE), load_standard(str(path)), SAMPLE.name, year=2025).roster
    not_poor = roster[roster["classification"] == data["classes"][-1]["class"]]
    assert len(not_poor) > 10
    assert set(not_poor["reason"]) == {"Hộ không nghèo: không thuộc diện nghèo"}
