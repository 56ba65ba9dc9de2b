"""What code offers the generate stage to ask about: statements with a short value in them."""

from __future__ import annotations

import pytest

from webscale_rl.builder.facts import Fact, assign, candidates

DOC = """Riding Tram 28 in Lisbon
Is Tram 28 worth the queue in 1998?
Tram 28 runs on a route of roughly 7 kilometres between Martim Moniz and Campo de Ourique.
Along the way the line passes through Graça, Alfama, Baixa, Chiado and Estrela districts.
The yellow Remodelado cars were built to a design from the 1930s by a Swedish engineer.
The first departures leave shortly after 7 a.m. and cost 3.20 euros on board.
Cook the onions for 8 to 10 minutes before the tomatoes go in.
counts = make([]string, 0, len(words)); sort.Strings(counts) runs in 2024 builds.
Here P = 2000 and the balance is 2000 × 1.05^3 after three long years.
This slow climb through the hills is called the Lisbon crawl by the locals.
Cities such as Porto and Sintra also kept a few of their old tram lines running."""


def facts_of(doc: str = DOC, subject: str = "Tram 28 in Lisbon") -> dict[str, str]:
    return {f.answer: f.answer_type for f in candidates(doc, subject)}


def test_values_with_their_kind_from_statements_only() -> None:
    found = facts_of()
    assert found["7 kilometres"] == "number" and found["3.20 euros"] == "number"
    assert found["1930s"] == "date"
    assert found["Remodelado"] == "name"
    assert found["Martim Moniz and Campo de Ourique"] == "list"       # both ends of the route, not one
    assert found["Graça, Alfama, Baixa, Chiado and Estrela"] == "list"
    assert found["Lisbon crawl"] == "short_phrase"                    # a term the sentence defines
    assert "1998" not in found                                        # the title question states nothing


@pytest.mark.parametrize("sentence, answer, answer_type", [
    # a place and its country or state is one name, which "Chiaravalle" alone answers
    ("Maria Montessori was born in Chiaravalle, Italy, in 1870 and studied medicine.", "Chiaravalle, Italy", "name"),
    ("The 1944 conference was held at a hotel in Bretton Woods, New Hampshire, that summer.", "Bretton Woods, New Hampshire", "name"),
    ("The copyright of this manual is held by the Free Software Foundation, Inc. since 1998.", "Free Software Foundation, Inc", "name"),
    # two names with only a comma between them are still two when the second is no place
    ("The museum keeps paintings by Caravaggio, Rembrandt in its west wing today.", "Caravaggio, Rembrandt", "list"),
    ("The survey covered Chiaravalle, Italy and Lyon, France during the same spring.", "Chiaravalle, Italy and Lyon, France", "list"),
])
def test_a_place_and_its_region_is_one_name(sentence: str, answer: str, answer_type: str) -> None:
    assert facts_of(f"Notes\n{sentence}", subject="notes")[answer] == answer_type


@pytest.mark.parametrize("doc, offered, not_offered", [
    # a unit per another is one unit
    ("Tungsten\nTungsten has a density of about 19.3 grams per cubic centimeter, close to that of gold.\n"
     "Gold traded at 35 dollars per troy ounce under the Bretton Woods system for decades.",
     {"19.3 grams per cubic centimeter", "35 dollars per troy ounce"}, {"19.3 grams", "35 dollars"}),
    # a word in capitals after "of" or "for" is no part of a name
    ("fsspec\nThe fsspec package uses GitHub Actions for CI on every pull request.\n"
     "It was first written for a team at the University of California in the spring.",
     {"GitHub Actions", "University of California"}, {"GitHub Actions for CI"}),
    # a name may open with a word in capitals
    ("Bash\nBash is the GNU Project's Bourne Again SHell, a complete implementation of the shell.\n"
     "Wget is built with the GNU Autoconf, so it ports easily to new Unix-like systems.\n"
     "The package tests its input against the AWS Instance Metadata Service by default.",
     {"GNU Project's Bourne Again SHell", "GNU Autoconf", "AWS Instance Metadata Service"},
     {"Project's Bourne Again SHell", "Autoconf", "Instance Metadata Service"}),
    # words a slash joins are one word of a name, a closing quote no part of it; capitals that stress name nothing
    ("xml-core\nThe 'Debian XML/SGML Group' project has been set up to maintain the XML packages.\n"
     "You MUST install one of the modules packages for SASL to work with server programs.",
     {"Debian XML/SGML Group"}, {"Debian XML", "SGML Group'", "SGML Group", "MUST"}),
    # the rest of a list whose opening word only layout capitalised is no answer either
    ("XML Security Library\nIt implements these standards:\n"
     "- XML Signature Syntax and Processing from the W3C, in full.",
     set(), {"Processing", "Signature Syntax and Processing"}),
    # a release number is not cut to its first two parts (fourteenth held-out build)
    ("dpkg\nSince dpkg 1.18.8, custom changelog parsers are supported as modules.\n"
     "The parser reads entries 40 percent faster than it did in version 1.17.",
     {"40 percent"}, {"1.18", "18.8", "8"}),
])
def test_values_are_offered_whole(doc: str, offered: set[str], not_offered: set[str]) -> None:
    found = facts_of(doc, doc.split("\n", 1)[0])
    assert offered <= set(found) and not (not_offered & set(found))


def test_values_that_would_make_bad_answers_are_left_out() -> None:
    found = facts_of()
    assert "28" not in found              # part of the subject's name
    assert "Swedish" not in found         # a nationality before a noun
    assert "7" not in found               # a time of day
    assert "8" not in found and "10 minutes" not in found   # either end of a range
    assert "2024" not in found and "Strings" not in found   # a line of code
    assert "2000" not in found            # a value in a formula, not a year
    assert "Tram" not in found and "Lisbon" not in found    # the subject itself
    assert "Porto and Sintra" not in found                  # examples, not all there are


def test_a_place_that_only_scopes_a_figure_is_no_answer() -> None:
    doc = ("Vitamin D\nIn the United States, the recommended daily intake for adults is 600 units.\n"
           "In California it is 21 days, in New York it is 14 days, and in Texas it is 30 days.\n"
           "Participatory budgeting began in Porto Alegre, Brazil, in 1989 with 1,000 residents.")
    found = facts_of(doc, "vitamin D")
    assert not {"United States", "California", "New York", "Texas"} & set(found)
    assert "Porto Alegre, Brazil" in found   # where something began is what the sentence states


def test_a_figure_of_many_is_offered_when_its_own_clause_says_where_it_holds() -> None:
    doc = ("Security Deposits\n"
           "Most states give a landlord a fixed period to return it. In California it is 21 days, in New York it is 14 days, and in Texas it is 30 days.\n"
           "A 750 g box of oats costs 2.40, or 3.20 per kilogram, at the Millbrook shop.")
    facts = {f.answer: f for f in candidates(doc, "security deposits")}
    assert {"21 days", "14 days", "30 days"} <= set(facts)
    assert facts["21 days"].context == "Most states give a landlord a fixed period to return it."  # what "it" is
    assert "2.40" not in facts and "3.20" not in facts   # no clause of their own names where they hold


def test_each_placed_clause_of_one_sentence_is_a_fact_of_its_own_for_a_persona() -> None:
    """Three places with three periods are three statements: three personas can each ask about
    one. Two figures of one unscoped sentence still go to one persona at most."""
    doc = ("Security Deposits\n"
           "Most states give a landlord a fixed period to return it. In California it is 21 days, in New York it is 14 days, and in Texas it is 30 days.\n"
           "Riverside General Hospital opened its new stroke unit with 14 beds and 40 nurses on Monday.")
    pool = candidates(doc, "security deposits")
    periods = [f for f in pool if f.answer.endswith("days")]
    assert [place in f.clause for f, place in zip(periods, ("California", "New York", "Texas"))] == [True] * 3
    assert len({f.source for f in periods}) == 3
    chosen = assign(periods, ["a tenant", "a landlord", "a lawyer"], "security deposits")
    assert sorted(f.answer for f in chosen) == ["14 days", "21 days", "30 days"]
    unit = [f for f in pool if "stroke unit" in f.sentence]
    assert len(unit) == 2 and unit[0].source == unit[1].source
    assert assign(unit, ["a nurse", "a patient"], "security deposits")[1] is None


def test_code_and_what_it_gives_in_one_sentence_is_a_fact() -> None:
    """A question can quote the code, and running it checks the answer; other lines with code
    in them stay out."""
    doc = ("Set Comprehensions\nA set comprehension such as {x % 3 for x in range(10)} produces {0, 1, 2}, because duplicates are removed.\n"
           "In Python, `len('abc')` returns `3` for a string of three letters.\n"
           "counts = {w: 0 for w in words}; sort.Strings(counts) runs in 2024 builds.\n"
           "The last census of the town (2020) gives 331 households and a school.")
    found = facts_of(doc, "set comprehensions")
    assert found["{0, 1, 2}"] == "expression" and found["3"] == "expression"
    assert found["331"] == "number"  # prose in brackets is no code
    assert "2024" not in found and "10" not in found


def test_a_title_is_no_name_the_name_after_it_is() -> None:
    doc = ("Riverside General Opens a Stroke Center\n"
           '"Every minute counts in a major stroke," said Dr. Priya Natarajan, the center\'s medical director.')
    found = facts_of(doc, "Riverside General Hospital stroke center")
    assert "Dr" not in found and found["Priya Natarajan"] == "name"


def test_a_word_a_list_item_opens_is_no_name() -> None:
    doc = ("Fetchwell HTTP client\n"
           "- Support for gzip, deflate and brotli encoding in every response.\n"
           "- `Pools`_: Reusable connections shared between threads by default.\n"
           "- **Maintainer**: Dana Whitfield reviews every pull request herself.\n"
           "- Schedule: Mondays and Wednesdays bring a new release candidate each week.\n"
           "1. Custom adapters must be thread-safe in their own code.")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert "Support" not in found and "Reusable" not in found and "Custom" not in found
    assert found["Dana Whitfield"] == "name"                 # two words after a label stay a name
    assert found["Mondays and Wednesdays"] == "list"         # and so does a list


def test_a_name_leaves_out_the_link_mark_and_the_preposition_layout_capitalised() -> None:
    doc = ("Fetchwell HTTP client\n"
           "Unit name translation is available whenever Babel_ is installed alongside it.\n"
           "- **portable:** Through Pyodide_, the same client also runs inside a browser tab.")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert found["Babel"] == "name" and found["Pyodide"] == "name"
    assert not {"Babel_", "Pyodide_", "Through Pyodide"} & set(found)


def test_a_licence_is_named_whole_and_a_link_address_states_nothing() -> None:
    doc = ("Fetchwell HTTP client\n"
           "- Fetchwell source code is distributed under the Apache 2.0 License.\n"
           "The documentation is offered under the Creative Commons Attribution 3.0 United States license.\n"
           "The MIT license covers the command-line tools shipped with it.\n"
           "This license applies to every file of the source distribution.\n"
           "The bundled parser is distributed under a 3-clause BSD license by its own authors.\n"
           "It is [depended upon](https://github.com/fetchwell/network/dependents?package_id=UGFja2FnZS0x2019) by thousands.")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert found["Apache 2.0 License"] == "name" and found["MIT license"] == "name"
    assert found["Creative Commons Attribution 3.0 United States license"] == "name"
    assert found["3-clause BSD license"] == "name" and "BSD license" not in found
    assert not {"2.0", "3.0", "Apache", "License", "license", "United States", "UGFja2FnZS0x2019", "2019"} & set(found)


def test_a_plural_term_a_contraction_or_an_adverb_is_no_answer() -> None:
    doc = ("Fetchwell HTTP client\n"
           "Fetchwell wraps the APIs of three transports and Dana Whitfield reviews the PRs every week.\n"
           "I’m told by Dana Whitfield that I'd rather read the Tidelift Subscription terms first.\n"
           "Its methods are named similarly to those of the standard library's own classes.")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert not {"APIs", "PRs", "I’m", "I'd", "similarly"} & set(found) and found["Dana Whitfield"] == "name"


def test_prompts_commands_and_badges_are_code_not_statements() -> None:
    doc = ("Fetchwell HTTP client\n"
           '>>> print("Year with the next release on a Friday is: %s" % year)\n'
           'git commit -m "Add feature: a short description of what was changed here"\n'
           "[![Build Status](https://ci.example/fetchwell.svg)](https://ci.example) [![Join the chat at Gitter](https://x.example)]\n"
           "Fetchwell was first released by Dana Whitfield in 2019.")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert not {"Year", "Friday", "Add", "Join", "Gitter"} & set(found)
    assert found["Dana Whitfield"] == "name" and found["2019"] == "date"


def test_a_semicolon_between_words_is_punctuation_and_one_in_code_is_code() -> None:
    doc = ("Fetchwell HTTP client\n"
           "Fetchwell is free software; you can redistribute it under the Mozilla Public License 2.0 from Dana Whitfield.\n"
           "int year = 2019; printf(\"Released by Marta Olsen\");\n")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert found["Mozilla Public License 2.0"] == "name" and found["Dana Whitfield"] == "name"
    assert not {"2019", "Marta Olsen"} & set(found)


def test_a_sentence_that_points_elsewhere_states_nothing() -> None:
    doc = ("Fetchwell HTTP client\n"
           "See the GNU General Public License for more details on what you may do.\n"
           "For more information, see the Usage and Configuration section of the manual.\n"
           "Readers who know the Requests library will find Fetchwell familiar.\n"
           "Fetchwell is distributed under the Mozilla Public License 2.0 by its authors.")
    found = facts_of(doc, "Fetchwell HTTP client")
    assert not {"GNU General Public License", "Usage and Configuration"} & set(found)
    assert found["Mozilla Public License 2.0"] == "name" and found["Requests"] == "name"


def test_initials_belong_to_the_name_and_a_title_does_not() -> None:
    doc = ("Harbor weather stations dataset\n"
           "The famous Harbor readings were first used by Sir R.A. Fisher for his lectures.\n"
           "President Harry S. Truman visited the first of the stations in the spring.\n"
           "- E. Alpaydin, C. Kaynak (1998) Cascading Classifiers for station data.\n"
           "For a 4 ohm resistor across 12 V, I = 3 A. The station meters read it every hour.")
    found = facts_of(doc, "Harbor weather stations dataset")
    assert found["R.A. Fisher"] == "name" and found["Harry S. Truman"] == "name"
    assert found["E. Alpaydin, C. Kaynak"] == "list"  # a list item may open with an initial
    assert not {"Sir", "Fisher", "Truman", "Alpaydin", "A. The", "The"} & set(found)


def test_a_day_without_its_year_is_an_answer_only_for_what_recurs() -> None:
    dated = "Stroke Center Opens\nMILLBROOK, September 9 - Riverside General Hospital on Monday opened a new stroke center in the valley."
    assert "September 9" not in facts_of(dated, "the Riverside General stroke center")
    yearly = "Lakeshore Open\nThe Lakeshore Open chess tournament is held on 14 July in the town of Fairmont."
    assert facts_of(yearly, "the Lakeshore Open")["14 July"] == "date"
    assert facts_of("Stroke Center Opens\nRiverside General Hospital opened its new stroke center on September 9, 2024.", "stroke center")["September 9, 2024"] == "date"


def test_each_persona_gets_a_fact_from_its_own_sentence() -> None:
    facts = candidates(DOC, "Tram 28 in Lisbon")
    chosen = assign(facts, ["a tourist counting euros for tickets", "a historian of tram design", "a commuter"], "Tram 28 in Lisbon")
    assert chosen[0].answer == "3.20 euros"       # the sentence about what the persona cares for
    assert chosen[1].answer in ("1930s", "Remodelado")
    assert len({f.sentence for f in chosen}) == 3
    assert assign([], ["a tourist"], "Tram 28") == [None]


def test_context_is_the_sentence_before_in_the_same_paragraph() -> None:
    doc = "Montessori Schools\nIn January 1907 she opened the first Casa dei Bambini in Rome. It served around 50 children from the San Lorenzo district."
    fact = next(f for f in candidates(doc, "Montessori schools") if f.answer == "50 children")
    assert fact == Fact("It served around 50 children from the San Lorenzo district.", "50 children", "number",
                        "In January 1907 she opened the first Casa dei Bambini in Rome.")


def test_a_question_asking_the_year_of_a_dated_fact_gets_the_year() -> None:
    """The generate stage cuts the fact's "July 1944" to what its question asks; the evidence
    stays the sentence that states the whole date."""
    from webscale_rl.builder.stages import generate

    fact = Fact("The conference met at Bretton Woods in July 1944.", "July 1944", "date")
    reply = {"answer": "July 1944", "question": "In which year did the Bretton Woods Conference meet?"}
    pair = generate.decide(reply, [("a historian", fact)]).data["pairs"][0]
    assert (pair["answer"], pair["evidence"]) == ("1944", fact.sentence)
    reply = {"answer": "July 1944", "question": "When did the Bretton Woods Conference meet?"}
    assert generate.decide(reply, [("a historian", fact)]).data["pairs"][0]["answer"] == "July 1944"


def test_a_code_examples_comment_gives_no_fact() -> None:
    readme = ("# Tallyho\n\n"
              "Tallyho keeps its counters in 22 slots by default.\n\n"
              "```python\n"
              "# A counter of 16 slots and no decay, for this example.\n"
              "c = Tally(slots=16)\n"
              "```\n")
    answers = {f.answer for f in candidates(readme, "Tallyho")}
    assert "22" in answers and not any("16" in answer for answer in answers)


def test_a_links_address_gives_no_fact() -> None:
    readme = ("# Tallyho\n\n"
              "Is your language supported? There is a [good chance](docs/index.md#Tokenizer) it is.\n"
              "The Tokenizer class splits text into words for Tallyho.\n")
    assert {(f.answer, f.sentence) for f in candidates(readme, "Tallyho") if f.answer == "Tokenizer"} == {
        ("Tokenizer", "The Tokenizer class splits text into words for Tallyho.")}
