import pytest

from recruitbot.contact import Contact, EmailProblem, clean_name, mask, parse_contact


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("jo.bloggs@example.co.uk", Contact("email", "jo.bloggs@example.co.uk")),
        (" 07700 900 123 ", Contact("phone", "+447700900123")),
        ("0113-496-0000", Contact("phone", "+441134960000")),
        ("+447700900123", Contact("phone", "+447700900123")),
        ("0044 7700 900123", Contact("phone", "+447700900123")),
        ("077009", None),
        ("+33 1 23 45 67 89", None),
        ("my number is secret", None),
        # Said in a sentence: the words around it are not part of it.
        ("my email is sam.patel@example.co.uk", Contact("email", "sam.patel@example.co.uk")),
        ("It\u2019s <sam@example.com>, thanks!", Contact("email", "sam@example.com")),
        ("you can reach me on 07700 900123 thanks", Contact("phone", "+447700900123")),
        ("mobile: 07700 900 123.", Contact("phone", "+447700900123")),
        ("call me on 07700 900123 after 5", None),  # "after 5" is more than a number
    ],
)
def test_parse_contact(typed, expected):
    assert parse_contact(typed) == expected


def test_bad_email_gives_the_reason():
    problem = parse_contact("jo@@example")
    assert isinstance(problem, EmailProblem) and problem.reason


def test_an_address_in_a_sentence_is_checked_on_its_own_and_a_mistyped_one_is_not_cut_short():
    problem = parse_contact("my email is jo@@example")
    assert isinstance(problem, EmailProblem) and "SPACE" not in problem.reason and "@-sign" in problem.reason
    # A space inside the address is a mistake to point out, not a word to drop ("bloggs@example.com" is someone else).
    problem = parse_contact("jo bloggs@example.com")
    assert isinstance(problem, EmailProblem) and "SPACE" in problem.reason


@pytest.mark.parametrize(
    ("typed", "name"),
    [("I'm Jo", "Jo"), ("call me Mo Farah", "Mo Farah"), ("Dr. Who", "Dr. Who"), ("J. R. Hartley", "J. R. Hartley"),
     ("", None), ("a" * 81, None), ("Anne-Marie", "Anne-Marie")],
)
def test_clean_name(typed, name):
    assert clean_name(typed) == name


@pytest.mark.parametrize("typed", ["i don't know", "what now", "not telling you", "I\u2019d rather not say", "idk",
                                   "just call me", "why do you need it", "Sam, is that ok?"])
def test_a_sentence_is_not_a_name(typed):
    assert clean_name(typed) is None


@pytest.mark.parametrize("typed", ["Will May", "Hope Do", "Can Yilmaz", "Ji-woo No", "Dr. Who", "Thanh Do",
                                   "Sunny Shah"])
def test_names_that_are_also_english_words_are_names(typed):
    assert clean_name(typed) == typed


def test_mask_hides_personal_details():
    assert mask("jo.bloggs@example.co.uk") == "j***@example.co.uk"
    assert mask("+447700900123") == "+44***23"
