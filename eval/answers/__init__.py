"""The rules of the answer check, one module per concern; eval/verify.py composes them.

The shipped reward.py inlines these modules into one file (dataset_card/reward_module.py), so
their top-level names are unique across the package and they import each other's names as
they are, never renamed.
"""
