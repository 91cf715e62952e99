"""Hypothesis strategies: scripted assistant turns for each sample environment."""

from __future__ import annotations

import json

from hypothesis import strategies as st

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=24)

math_scripts = st.one_of(
    st.sampled_from(["5", "42", "7", "9", "81", "27"]).map(lambda a: f"<answer>{a}</answer>"),
    st.integers(-3, 100).map(lambda n: f"<answer>{n}</answer>"),
    st.integers(0, 100).map(str),
    TEXT,
).map(lambda content: [{"role": "assistant", "content": content}])

_guesses = st.one_of(
    st.integers(0, 11).map(str), st.integers(1, 10).map(lambda n: f"I guess {n}"), TEXT
)
_guess_turns = st.one_of(
    st.builds(lambda guess: {"role": "assistant", "content": guess}, _guesses),
    st.builds(
        lambda guess, thought: {"content": guess, "reasoning_content": thought},
        _guesses,
        st.sampled_from(["bisect", "go higher", "hmm"]),
    ),
)
guess_scripts = st.lists(_guess_turns, min_size=5, max_size=5)

_expressions = st.recursive(
    st.integers(0, 60).map(str),
    lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
        lambda parts: f"({parts[0]} {parts[1]} {parts[2]})"
    ),
    max_leaves=4,
)
_arguments = st.one_of(
    _expressions.map(lambda expression: json.dumps({"expression": expression})),
    st.sampled_from(["2 +", "x * 3", "10 / 0", "2 ** 100"]).map(
        lambda expression: json.dumps({"expression": expression})
    ),
    st.just("{not json"),
    st.just(json.dumps({"expr": "1+1"})),
)
_calls = st.lists(
    st.tuples(st.sampled_from(["calculate", "calculate", "calculate", "abacus"]), _arguments),
    min_size=1,
    max_size=2,
)
_final_answers = st.sampled_from([42, 492, 105, 1024, 125, 7]).map(lambda n: f"The answer is {n}")


def _calc_turn(turn: int, value: list | str) -> dict:
    if isinstance(value, str):
        return {"role": "assistant", "content": value}
    return {
        "role": "assistant",
        "tool_calls": [
            {
                "id": f"call_{turn}_{index}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            for index, (name, arguments) in enumerate(value)
        ],
    }


calc_scripts = st.lists(st.one_of(_calls, _calls, _final_answers), min_size=6, max_size=6).map(
    lambda turns: [_calc_turn(turn, value) for turn, value in enumerate(turns)]
)
