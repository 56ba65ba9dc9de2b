"""Every reason a document or a pair can be dropped, with its meaning in plain words.

The funnel in stats.json, the dataset card, the README and the Space all speak these names;
`explain` turns one into a sentence. Reasons that carry a variable part (a stage, an HTTP
status, a benchmark, a pre-filter rule) are registered by their prefix."""

from __future__ import annotations

# Exact names.
REASONS: dict[str, str] = {
    # the LLM filter (stage 1)
    "llm_filter_not_informative": "the LLM filter judged the document mostly boilerplate (menus, ads, cookie notices, link lists)",
    "llm_filter_not_self_contained": "the LLM filter judged the document a fragment that needs an earlier message or page",
    # domain and personas (stage 2)
    "identify_no_persona": "the model named no persona who would ask about the document",
    # the rollout as a whole
    "no_pair_kept": "every pair generated from the document was dropped",
    "llm_no_result": "the document reached the LLM stages but no result was recorded for it",
    # generation (stage 3)
    "no_fact_for_persona": "the document had no further sentence stating a short value (date, number, name, defined term) to ask this persona about",
    "no_question_for_fact": "asked for questions about several facts at once, the model wrote two for one fact and none for this one",
    # deterministic checks between generation and the check stage
    "question_not_a_question": "the question does not end with a question mark, nothing in it asks (no wh-word, no 'is/does/can...'), or words were lost from it ('the base set of for?')",
    "question_asks_two_things": "the question holds two questions ('...? What is ...?') and its one answer answers only one",
    "question_asks_for_some": "the question asks for some, one or an example of many things, so more answers than its one are right",
    "answer_type_mismatch": "the answer does not have the shape of its type (no digits for a number, not yes/no, ...)",
    "evidence_not_in_document": "no sentence of the document states the answer, or the quoted one does not (it sits in a link's address: '[good chance](docs/index.md#Tokenizer)')",
    "answer_too_long": "the answer is longer than a short value a reward can check, or is a sentence ('Jinja is a templating engine')",
    "answer_not_in_document": "the answer cannot be read off the document",
    "answer_yes_no": "the answer is yes or no, which a policy guesses right half the time",
    "answer_is_example": "the document gives the answer as an example ('such as ...'), not as all there is",
    "evidence_in_example_code": "the answer is stated only in a code example ('# A primary key ID of length 16'): a value the example chose, not a fact about its subject",
    "answer_is_one_of_a_list": "the answer is one name of a list the evidence gives ('Chromium' of 'Chromium, Firefox and WebKit')",
    "answer_cut_short": "the answer leaves out what the evidence says with it: a flag's dash ('Wall' for -Wall), a name ('2.0' for the Apache 2.0 License, 'Crypto API' for MS Crypto API, 'SGML Group' for XML/SGML Group), a bound ('6 months' for '6 months and older', '10 seconds' for 'no pause of more than 10 seconds', '10 minutes' for 'a minimum of 10 minutes'), a language ('1912' for 'published in English in 1912'), what a rate is per ('19.3 grams' for '19.3 grams per cubic centimeter') or what a name names ('Lorenz' for 'a Lorenz curve')",
    "answer_lacks_unit": "the answer is a bare number where the document gives it a unit the question does not name",
    "superlative_not_in_evidence": "the question calls its answer the most, least or -est of its kind, and the evidence sentence does not, or ranks it only among a narrower kind ('the first step' of 'the first fixation step')",
    "comparison_not_in_evidence": "the question says its subject is stronger, larger or more of something than another, and the evidence sentence does not ('as strong as' asked as 'stronger than')",
    "answer_is_a_premise": "the evidence sets up an exercise ('suppose', 'assume'): the value is the writer's choice, not a fact",
    "answer_names_the_owner": "the evidence says '<part> of <answer>' (the summary page of a form) and the question does not ask for the part: the answer names the whole",
    "clause_of_another_number": "the question describes its number by a clause the document gives another number ('used since version 0.6, which introduced archive authentication' asked of Debian 10)",
    "answer_is_the_subject": "a what/which question answered by the document's own topic that names nothing: its description in common words fits many things",
    "question_leaks_answer": "the question already contains its answer, most of its words or the surname of the person it names",
    "question_names_a_persona": "the question speaks of the persona it was written for ('for a home network storage enthusiast') instead of what it asks about",
    "question_refers_to_passage": "the question points at a text or a writer the reader never sees ('the passage', 'the following', 'the first fact', 'this release', 'have you been', 'in the Pint documentation' where the evidence is about Pint)",
    "answer_does_not_fit_question": "the answer is not the kind the question asks for (a count for 'how many', a person for 'who', two things for 'What are the two…', ...)",
    "question_not_grounded": "most of what the question talks about is not in the document (copied from an example or made up), or it states a name or number the document never writes ('deprecated in 2019')",
    "question_not_specific": "the question does not name what it asks about, so it only makes sense next to its document",
    # the check stage (stage 4)
    "check_context_insufficient": "the reviewer found the question unclear without the document",
    "check_answer_incorrect": "the reviewer, answering from the document without seeing the answer, gave a different answer",
    "check_answer_not_in_evidence": "the reviewer, reading only the evidence sentence, could not find the answer there",
    "check_question_needs_document": "a reviewer shown only the question could not tell what it asks about",
    "check_support_unsure": "a reviewer shown the evidence sentence, the question and the answer was not sure enough that the sentence gives that answer to that question",
    "check_leaks_answer": "the reviewer found that the question gives its answer away",
    # the optional difficulty stage
    "too_easy": "a solver model answered the question correctly closed-book more often than `difficulty.max_solve_rate` allows",
    # a build stopped by `--max-tokens` / `--max-cost`
    "not_processed_budget": "the build stopped at its token budget before this document's results were written; a rerun with a larger budget finishes it",
    # across the dataset
    "near_duplicate_question": "another kept pair asks nearly the same question, about the same named things and numbers",
    "all_pairs_dropped_after_generation": "every kept pair of the document was dropped across the dataset (near duplicates, contamination)",
}

# Names with a variable part, by prefix.
PREFIXES: dict[str, str] = {
    "llm_": "a model call failed or its reply could not be used (stage and failure in the name)",
    "rollout_error_": "an unexpected error in the rollout (a bug: see the task log)",
    "contaminated_": "the pair overlaps an evaluation benchmark (named in the reason)",
    "input_": "the input record could not be read (malformed, not UTF-8, no text, too large)",
    "min_tokens": "the document is shorter than the method's minimum of 50 tokens",
    "too_few_tokens": "the document is shorter than the method's minimum of 50 tokens",
    "gopher_": "datatrove's Gopher quality or repetition filter dropped the document",
    "fineweb_": "datatrove's FineWeb quality filter dropped the document",
    "c4_": "datatrove's C4 quality filter dropped the document",
    "language_": "the language filter dropped the document (language in the name)",
    "not_sampled": "left out by `input.sample_rate`, a seeded random share of the input",
    "exact_duplicate": "the document is an exact duplicate of an earlier one",
    "near_duplicate": "the document is a near duplicate (MinHash) of an earlier one",
}


def explain(reason: str) -> str:
    """The meaning of a drop reason in plain words; unknown names raise KeyError, so a new
    reason cannot reach the card or the Space without being registered here."""
    if reason in REASONS:
        return REASONS[reason]
    for prefix, meaning in PREFIXES.items():
        if reason.startswith(prefix):
            return meaning
    raise KeyError(f"drop reason {reason!r} is not registered in builder/drop_reasons.py")


def is_registered(reason: str) -> bool:
    try:
        explain(reason)
    except KeyError:
        return False
    return True
