"""The calibration pool tunes and reports on named domains only: the held-out sets beside them
(written blind, run alone by `bench.sop_eval`) must never choose a weight or a bar."""

from bench.calibration_data import DATASETS, pool


def test_held_out_sets_are_never_pooled_and_the_domains_are() -> None:
    groups = {dataset.group for dataset in pool(banking_seeds=(0,), banking_folds=(0,))}
    held_out = {"kirimcepat", "jalanyuk"}
    assert all((DATASETS / name / "messages.yaml").is_file() for name in held_out)
    assert not groups & held_out
    assert {"dompetku", "klinik", "netnusa", "tokonusa", "tokonusa_eval"} <= groups
