"""A real downstream run: TRL's GRPOTrainer trains two steps of a small causal LM on the `trl`
config of a built dataset, loaded as the card says (`load_dataset(DIR, "trl")`) and rewarded
by the reward.py that dataset ships; and verl's format is scored through the shipped
`compute_score` on completions the same model generates for the `verl` rows.

torch, transformers and trl come from the `train` extra that `make install` installs. The Hub
cannot be reached here, so the model is a tiny randomly initialised Llama built from
a config in this file and the tokenizer a word-level one built here (the `tokenizers` library),
whose vocabulary holds the dataset's answers and a few wrong ones. Completions are one word,
with the special tokens suppressed, so the random policy answers right about one time in
four: the rewards must be computed and must not be constant.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from test_write import fake_build
from webscale_rl.dataset_card.card import write_card

SPECIALS = ["<pad>", "<unk>", "<eos>"]
CHAT_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant:{% endif %}")
SEED = 7


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A built output folder (3 documents, 1-3 pairs each) with its card and reward.py."""
    out = tmp_path_factory.mktemp("built")
    fake_build(out, n_docs=3, tag="g")
    write_card(out, "acme/webscale-rl")
    assert (out / "reward.py").is_file()
    return out


def shipped_reward(out: Path):
    """reward.py of the build, loaded by path as a trainer loads it (not via webscale_rl)."""
    spec = importlib.util.spec_from_file_location("shipped_reward_grpo", out / "reward.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not module.__name__.startswith("webscale_rl")
    return module


def tiny_model_and_tokenizer(answers: list[str]):
    import torch
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = sorted(set(answers)) + ["99", "Paris"]  # every right answer and two wrong ones
    vocab = {token: i for i, token in enumerate(SPECIALS + words)}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", unk_token="<unk>",
                                        eos_token="<eos>", bos_token="<eos>")
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(SEED)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                         pad_token_id=vocab["<pad>"], eos_token_id=vocab["<eos>"], bos_token_id=vocab["<eos>"],
                         tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    special_ids = [vocab[token] for token in SPECIALS]
    return model, tokenizer, special_ids


def test_grpo_trains_two_steps_on_the_trl_config_with_the_shipped_reward(built, tmp_path):
    import torch
    from datasets import load_dataset
    from trl import GRPOConfig, GRPOTrainer

    train = load_dataset(str(built), "trl", split="train")
    assert set(train.column_names) >= {"prompt", "answer", "answer_type"}
    module = shipped_reward(built)
    seen: list[float | None] = []

    def answer_reward(completions, answer, answer_type=None, **kwargs):
        rewards = module.answer_reward(completions, answer, answer_type, **kwargs)
        seen.extend(rewards)
        return rewards

    answer_reward.__name__ = "answer_reward"
    model, tokenizer, special_ids = tiny_model_and_tokenizer(train["answer"])
    args = GRPOConfig(output_dir=str(tmp_path / "grpo"), max_steps=2, per_device_train_batch_size=8,
                      num_generations=4, max_completion_length=1, learning_rate=1e-2, beta=0.0,
                      logging_steps=1, report_to="none", save_strategy="no", use_cpu=True, bf16=False,
                      seed=SEED, dataloader_num_workers=0,
                      generation_kwargs={"suppress_tokens": special_ids})
    trainer = GRPOTrainer(model=model, reward_funcs=answer_reward, args=args, train_dataset=train,
                          processing_class=tokenizer)
    before = [p.detach().clone() for p in model.parameters()]
    trainer.train()

    assert trainer.state.global_step == 2
    assert len(seen) == 2 * 8 and all(r in (0.0, 1.0) for r in seen), seen
    assert len(set(seen)) > 1, f"constant rewards {seen}: no learning signal"
    logged = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert len(logged) == 2 and all(0.0 <= entry["reward"] <= 1.0 for entry in logged)
    assert any(not torch.equal(a, b.detach()) for a, b in zip(before, model.parameters())), "no update"
    print(f"\nGRPO rewards over 2 steps: {seen}; logged mean reward per step: {[e['reward'] for e in logged]}")


def test_verl_rows_scored_by_the_shipped_compute_score(built):
    """verl's data flow for one rollout: the row's chat `prompt` through the chat template, a
    generated response, then compute_score(data_source=, solution_str=, ground_truth=,
    extra_info=) called with keywords, as verl's reward manager does."""
    import torch
    from datasets import load_dataset

    rows = load_dataset(str(built), "verl", split="train")
    assert set(rows.column_names) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    module = shipped_reward(built)
    model, tokenizer, special_ids = tiny_model_and_tokenizer([r["reward_model"]["ground_truth"] for r in rows])
    torch.manual_seed(SEED)
    scores = []
    for row in rows:
        text = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
        inputs = tokenizer(text, return_tensors="pt")
        out = model.generate(**inputs, do_sample=True, max_new_tokens=1, num_return_sequences=4,
                             suppress_tokens=special_ids, pad_token_id=tokenizer.pad_token_id)
        for sequence in out[:, inputs["input_ids"].shape[1]:]:
            response = tokenizer.decode(sequence, skip_special_tokens=True)
            scores.append(module.compute_score(data_source=row["data_source"], solution_str=response,
                                               ground_truth=row["reward_model"]["ground_truth"],
                                               extra_info=row["extra_info"]))
    assert all(isinstance(s, float) and s in (0.0, 1.0) for s in scores), scores
    assert len(set(scores)) > 1, f"constant scores {scores}"
    truth = rows[0]["reward_model"]["ground_truth"]
    assert module.compute_score(rows[0]["data_source"], f"\\boxed{{{truth}}}", truth, rows[0]["extra_info"]) == 1.0
    print(f"\nverl compute_score on {len(scores)} generated responses: {scores}")
