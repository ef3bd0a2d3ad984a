from recruitbot.nlu.unknown_words import is_unknown, words

VOCABULARY = {"any", "admin", "jobs", "leeds", "interview", "intervew", "thanks", "what", "about", "perm", "ones"}


def test_mostly_unknown_words_are_gibberish():
    assert is_unknown("qwxz plorf zzzt", VOCABULARY, share=0.6, minimum=2)


def test_known_words_typos_seen_in_training_and_one_odd_word_are_not():
    assert not is_unknown("any admin jobs in Leeds?", VOCABULARY, share=0.6, minimum=2)
    assert not is_unknown("intervew thanks", VOCABULARY, share=0.6, minimum=2)
    assert not is_unknown("any sommelier jobs", VOCABULARY, share=0.6, minimum=2)  # one unknown word
    assert not is_unknown("ok", VOCABULARY, share=0.6, minimum=2)


def test_words_are_lower_case_and_at_least_three_letters():
    assert words("Hi, 2nd Interview at 9am?") == ["interview"]
