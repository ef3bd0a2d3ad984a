import pytest

from recruitbot.vacancies.asked_keyword import leftover_keyword


@pytest.mark.parametrize(
    ("text", "entities", "keyword"),
    [
        ("any astronaut jobs?", [], "astronaut"),
        ("show me dental nurse roles in Leeds", [(30, 35)], "dental nurse"),
        ("what about perm ones?", [(11, 15)], None),
        ("jobs in Leeds paying over 30k", [(8, 13)], None),
        ("jobs?", [], None),
        ("i am after something as a dog walker during the summer holidays", [], None),  # too many words
        ("should i stop looking for jobs now?", [], None),  # a question misread as a search
        ("still nothing in my area?", [], None),
        ("any store manager jobs now", [], "store manager"),
    ],
)
def test_leftover_keyword(text, entities, keyword):
    spans = [{"entity": "x", "start": start, "end": end} for start, end in entities]
    assert leftover_keyword(text, spans) == keyword
