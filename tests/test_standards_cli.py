"""`ngheo standards list | show | check` as an analyst uses them."""

from __future__ import annotations


import pytest

from conftest import REPO, run_ngheo
from ngheo_cli.standards.load import builtin_dir


def test_list_names_every_built_in_standard_and_flags_provisional_ones():
    result = run_ngheo("standards", "list")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    ids = [line.split()[0] for line in lines[2:]]
    assert ids == ["dong-nai-2022-2025", "ha-noi-2016-2020", "ha-noi-2022-2025", "vn-2016-2020", "vn-2022-2025", "vn-2027-2030"]
    cells = [[c.strip() for c in line.split("│")] for line in lines[2:]]
    provisional = {row[0] for row in cells if row[3] == "yes"}
    assert provisional == {"ha-noi-2022-2025", "vn-2027-2030"}


@pytest.mark.parametrize("lang, expected", [("vi", "Bảo hiểm y tế"), ("en", "Health insurance")])
def test_show_gives_lines_indicators_wording_and_rules(lang, expected):
    result = run_ngheo("standards", "show", "vn-2022-2025", "--lang", lang)
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "1,500,000" in out and "2,000,000" in out and "140" in out
    assert expected in out and "any_member(age >= insurance_min_age" in out
    assert "income <= poverty_line and deprivation_count >= 3" in out
    assert "[confirmed]" in out


def test_check_accepts_the_example_standard():
    result = run_ngheo("standards", "check", str(REPO / "criteria" / "dong-nai-2022-2025.yaml"))
    assert result.returncode == 0
    assert "OK: dong-nai-2022-2025" in result.stderr.decode()


def test_check_pinpoints_each_mistake_of_a_broken_copy(tmp_path):
    text = (builtin_dir() / "vn-2022-2025.yaml").read_text(encoding="utf-8")
    broken = (text
              .replace("provisional: false", "provisional: false\nprovisonal: true")               # unknown key
              .replace("derive: not internet_use", "derive: not internet_usage")                  # unknown column
              .replace("derive: not info_devices", "derive: count(info_devices)")                  # unknown function
              .replace("    rural: 2250000", "    rural: zero")                                    # a line not a number
              .replace("when: income > poverty_line and income <= middle_income_line",
                       "when: income > poverty_line and income <=")                                # syntax error
              )
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    first = run_ngheo("standards", "check", str(path))
    assert first.returncode == 1
    message = first.stderr.decode()
    line_of = {key: n for n, l in enumerate(broken.splitlines(), 1) for key in ("provisonal:", "rural: zero") if l.strip().startswith(key)}
    assert f"provisonal (line {line_of['provisonal:']}): unknown key" in message
    assert f"income_lines.middle_income_line.rural (line {line_of['rural: zero']})" in message
    # structure first: once the keys are right, the expressions are checked, all at once
    fixed = broken.replace("provisonal: true\n", "").replace("    rural: zero", "    rural: 2250000")
    path.write_text(fixed, encoding="utf-8")
    second = run_ngheo("standards", "check", str(path)).stderr.decode()
    assert "3 problem(s)" in second
    assert "unknown name 'internet_usage'" in second and "indicators.10.derive" in second
    assert "unknown function" in second and "indicators.11.derive" in second
    assert "syntax error" in second and "classes.2.when" in second


def test_check_finds_a_rule_that_can_never_apply_and_an_indicator_no_rule_reads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("""format_version: 1
extends: vn-2022-2025
id: shadowed
name: {vi: x, en: x}
legal_basis: [{document: x, confidence: draft}]
classes:
  - {class: poor, when: income <= poverty_line, reason: {vi: a, en: a}}
  - {class: near_poor, when: income <= poverty_line and area == 'rural', reason: {vi: a, en: a}}
  - {class: not_poor, when: "true", reason: {vi: a, en: a}}
""", encoding="utf-8")
    result = run_ngheo("standards", "check", str(path))
    message = result.stderr.decode()
    assert result.returncode == 1
    assert "classes.1.when (line 8): this rule can never apply" in message
    assert "indicator 'viec_lam' is used by no class rule" in message


def test_check_of_a_missing_file_is_a_usage_error(tmp_path):
    result = run_ngheo("standards", "check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and b"no such file" in result.stderr


def test_classify_with_a_custom_standard_file(tmp_path):
    from conftest import SAMPLE

    result = run_ngheo("classify", str(SAMPLE), "-s", str(REPO / "criteria" / "dong-nai-2022-2025.yaml"), "-o", "-")
    assert result.returncode == 1
    assert b"Standard dong-nai-2022-2025" in result.stderr
