"""Each kind of check: its settings, and how it judges an answer."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from playground.experiments.checks import ConfigProblem, clean_config, grader_body, judge, overall, similarity, verdict


def run(**metrics):
    return SimpleNamespace(**{"time_to_first_token": 0.2, "total_time": 1.5, "output_tokens": 30, "cost": None, **metrics})


def check(kind, data, answer, expected=None, **metrics):
    return judge(kind, clean_config(kind, data), answer=answer, expected=expected, run=run(**metrics))


def test_contains_and_does_not_contain_with_the_case_option():
    assert check("contains", {"text": "paris"}, "It is Paris.")["passed"] is True
    assert check("contains", {"text": "paris", "case_sensitive": "1"}, "It is Paris.")["passed"] is False
    assert check("not_contains", {"text": "sorry"}, "Sorry, no.")["passed"] is False
    assert check("not_contains", {"text": "sorry", "case_sensitive": "on"}, "Sorry, no.")["passed"] is True


def test_regex_matches_and_a_runaway_pattern_is_stopped():
    assert check("regex", {"pattern": r"^\d{4}$"}, "2024")["passed"] is True
    assert check("regex", {"pattern": r"^[a-z]+$"}, "ABC")["passed"] is True  # case ignored by default
    assert check("regex", {"pattern": r"^[a-z]+$", "case_sensitive": "1"}, "ABC")["passed"] is False
    slow = check("regex", {"pattern": r"(x+x+)+y"}, "x" * 3000)
    assert slow["passed"] is None and "longer than" in slow["detail"]
    with pytest.raises(ConfigProblem) as problem:
        clean_config("regex", {"pattern": "(unclosed"})
    assert "pattern" in problem.value.errors


def test_equals_expected_trims_and_ignores_case_unless_asked():
    assert check("equals", {}, "  Paris\n", expected="paris")["passed"] is True
    assert check("equals", {"case_sensitive": "1"}, "Paris", expected="paris")["passed"] is False
    assert check("equals", {"exact_whitespace": "1"}, "Paris ", expected="Paris")["passed"] is False
    assert check("equals", {}, "Paris", expected=None)["passed"] is None


def test_similarity_scores_against_expected_with_a_threshold():
    assert similarity("the quick brown fox", "The quick brown fox") == pytest.approx(1.0)
    assert similarity("a b", "c d") == 0.0
    result = check("similarity", {"threshold": "0.5"}, "the capital is Paris", expected="Paris is the capital")
    assert result["passed"] is True and result["score"] == pytest.approx(1.0)
    assert check("similarity", {"threshold": "0.9"}, "Paris", expected="Lima")["passed"] is False
    with pytest.raises(ConfigProblem):
        clean_config("similarity", {"threshold": "1.5"})


def test_valid_json_with_or_without_a_code_fence():
    assert check("valid_json", {}, '{"a": 1}')["passed"] is True
    assert check("valid_json", {}, '```json\n{"a": 1}\n```')["passed"] is True
    assert check("valid_json", {"strict": "1"}, '```json\n{"a": 1}\n```')["passed"] is False
    assert check("valid_json", {}, "{'a': 1}")["passed"] is False


def test_json_schema_says_where_the_answer_breaks_it():
    schema = '{"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}'
    assert check("json_schema", {"schema": schema}, '{"age": 4}')["passed"] is True
    failed = check("json_schema", {"schema": schema}, '{"age": "four"}')
    assert failed["passed"] is False and "age" in failed["detail"]
    with pytest.raises(ConfigProblem):
        clean_config("json_schema", {"schema": '{"type": 5}'})
    with pytest.raises(ConfigProblem):
        clean_config("json_schema", {"schema": "not json"})


def test_latency_tokens_and_cost_limits():
    assert check("latency", {"metric": "ttft", "ms": "250"}, "x")["passed"] is True
    assert check("latency", {"metric": "total", "ms": "1000"}, "x")["passed"] is False
    assert check("latency", {"metric": "ttft", "ms": "250"}, "x", time_to_first_token=None)["passed"] is None
    assert check("tokens", {"max": "31"}, "x")["passed"] is True
    assert check("tokens", {"max": "30"}, "x")["passed"] is False
    assert check("cost", {"max": "0.01"}, "x", cost=Decimal("0.002"))["passed"] is True
    assert check("cost", {"max": "0.001"}, "x", cost=Decimal("0.002"))["passed"] is False
    assert check("cost", {"max": "0.001"}, "x")["passed"] is None  # no price: no verdict
    with pytest.raises(ConfigProblem):
        clean_config("latency", {"metric": "ttft", "ms": "-5"})


def test_the_model_graded_check_asks_for_a_json_verdict_and_reads_it():
    config = clean_config("model_graded", {"rubric": "Correct capital?", "provider": "p", "model": "judge-1"})
    body = grader_body(config, request={"messages": [{"role": "user", "content": "Capital of Peru?"}]}, answer="Lima", expected="Lima")
    assert body["model"] == "judge-1" and body["response_format"]["type"] == "json_schema"
    prompt = body["messages"][1]["content"]
    assert "Correct capital?" in prompt and "Capital of Peru?" in prompt and "Lima" in prompt and "Expected answer" in prompt
    assert verdict('{"verdict": "pass", "reason": "right"}') == {"passed": True, "detail": "right"}
    assert verdict("FAIL - wrong city")["passed"] is False
    assert verdict("maybe?")["passed"] is None
    with pytest.raises(ConfigProblem) as problem:
        clean_config("model_graded", {"rubric": "", "provider": "", "model": ""})
    assert set(problem.value.errors) == {"rubric", "provider", "model"}


def test_overall_needs_every_check_and_fails_on_any_failure():
    assert overall({"c1": {"passed": True}, "c2": {"passed": None}}, ["c1", "c2"]) is True
    assert overall({"c1": {"passed": True}, "c2": {"passed": False}}, ["c1", "c2"]) is False
    assert overall({"c1": {"passed": True}}, ["c1", "c2"]) is None
    assert overall({}, []) is None
