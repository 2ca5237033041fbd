"""Build the contact-reason training data for the `banking` taxonomy.

Public datasets under ../shared/data are mapped intent by intent onto the banking reasons (intents that fit none are
dropped; out-of-scope and small talk become `other`); the project's own authored examples
(models/banking/authored_examples.csv) add spoken-style English and all of the Russian.

    python tools/build_banking_data.py --out /tmp/banking.csv      # the table `acw train` takes
    acw train /tmp/banking.csv --taxonomy banking                   # the shipped model, card and metrics

Banking77's test split is left out unless --with-banking77-test (the Banking77 benchmark trains on the train split
only and is scored on the test split).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_reason_data as sources  # noqa: E402  (the public datasets' readers, shared with contact_centre)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
AUTHORED_CSV = PROJECT_ROOT / "models" / "banking" / "authored_examples.csv"
AUTHORED_WEIGHT = 4.0  # spoken-style examples written for this taxonomy count four times a mapped public intent (held-out ru 0.71 at 2)

BANKING77 = {
    **dict.fromkeys(
        [
            "card_arrival",
            "card_delivery_estimate",
            "lost_or_stolen_card",
            "compromised_card",
            "card_swallowed",
            "getting_spare_card",
            "order_physical_card",
            "get_physical_card",
            "getting_virtual_card",
            "get_disposable_virtual_card",
            "card_about_to_expire",
            "activate_my_card",
            "card_not_working",
        ],
        "card_replacement",
    ),
    **dict.fromkeys(
        ["balance_not_updated_after_cheque_or_cash_deposit", "balance_not_updated_after_bank_transfer"],
        "balance_inquiry",
    ),
    **dict.fromkeys(
        [
            "cancel_transfer",
            "transfer_not_received_by_recipient",
            "declined_transfer",
            "pending_transfer",
            "transfer_timing",
            "failed_transfer",
            "transfer_into_account",
            "receiving_money",
            "beneficiary_not_allowed",
        ],
        "money_transfer",
    ),
    **dict.fromkeys(
        [
            "transaction_charged_twice",
            "card_payment_not_recognised",
            "direct_debit_payment_not_recognised",
            "cash_withdrawal_not_recognised",
            "wrong_amount_of_cash_received",
            "request_refund",
            "Refund_not_showing_up",
            "reverted_card_payment?",
        ],
        "transaction_dispute",
    ),
    **dict.fromkeys(
        [
            "card_payment_fee_charged",
            "transfer_fee_charged",
            "top_up_by_bank_transfer_charge",
            "top_up_by_card_charge",
            "cash_withdrawal_charge",
            "exchange_charge",
            "card_payment_wrong_exchange_rate",
            "wrong_exchange_rate_for_cash_withdrawal",
            "exchange_rate",
            "extra_charge_on_statement",
        ],
        "fees_and_charges",
    ),
    **dict.fromkeys(
        ["passcode_forgotten", "pin_blocked", "change_pin", "lost_or_stolen_phone"], "login_password_reset"
    ),
    "atm_support": "branch_hours_location",
    "terminate_account": "account_open_close",
    "edit_personal_details": "update_personal_details",
}

CLINC150 = {
    **dict.fromkeys(["balance", "transactions", "spending_history"], "balance_inquiry"),
    "transfer": "money_transfer",
    **dict.fromkeys(["pay_bill", "bill_due", "bill_balance", "min_payment"], "bill_payment"),
    "report_fraud": "transaction_dispute",
    **dict.fromkeys(["international_fees", "exchange_rate"], "fees_and_charges"),
    **dict.fromkeys(["account_blocked", "pin_change"], "login_password_reset"),
    **dict.fromkeys(
        ["report_lost_card", "replacement_card_duration", "new_card", "damaged_card", "expiration_date"],
        "card_replacement",
    ),
    "order_checks": "order_checks",
    "freeze_account": "account_open_close",
    **dict.fromkeys(
        ["interest_rate", "credit_limit", "credit_limit_change", "apr", "application_status"], "loan_mortgage"
    ),
    "oos": "other",
    **dict.fromkeys((*sources.OUT_OF_DOMAIN, "uber", "book_hotel", "car_rental"), "other"),
}

# NLU++ banking turns carry several intent modules; a turn is kept when exactly one of these rules holds.
NLUPP_RULES = {
    "appointment": lambda m: "appointment" in m,
    "loan_mortgage": lambda m: bool({"loan", "mortgage"} & m) and "appointment" not in m,
    "account_open_close": lambda m: (
        "account" in m
        and bool({"cancel_close_leave_freeze", "make_open_apply_setup_get_activate"} & m)
        and not {"card", "loan", "mortgage", "transfer_payment_deposit", "appointment"} & m
    ),
    "balance_inquiry": lambda m: "balance" in m and not {"loan", "mortgage", "card", "appointment"} & m,
    "card_replacement": lambda m: "card" in m and bool({"lost_stolen", "arrival"} & m),
    "login_password_reset": lambda m: "pin" in m and "card" not in m - {"pin"} and "transfer_payment_deposit" not in m,
}

CAP_PER_INTENT = {"banking77": 60, "clinc150": 60, "nlupp": 120}
OTHER_CAP_PER_INTENT = 20
CLINC_OOS_CAP = 250

LICENCES = {
    "banking77": "CC BY 4.0 (PolyAI, Casanueva et al. 2020)",
    "clinc150": "CC BY 3.0 (Larson et al. 2019)",
    "nlupp": "CC BY 4.0 (PolyAI, Casanueva et al. 2022)",
    "authored": "the project's own (models/banking/authored_examples.csv)",
}

# Whole-call evaluation (not training): Harper Valley's caller task -> banking reason.
HARPER_VALLEY_TASKS = {
    "replace card": "card_replacement",
    "check balance": "balance_inquiry",
    "transfer money": "money_transfer",
    "schedule appointment": "appointment",
    "get branch hours": "branch_hours_location",
    "reset password": "login_password_reset",
    "order checks": "order_checks",
    "pay bill": "bill_payment",
}


def _rows(source: str, pairs, mapping: dict[str, str]) -> list[dict]:
    kept, per_intent = [], Counter()
    for text, intent in pairs:
        reason = mapping.get(intent)
        text = " ".join(str(text).split())
        if reason is None or not text:
            continue
        limit = (
            CLINC_OOS_CAP if intent == "oos" else OTHER_CAP_PER_INTENT if reason == "other" else CAP_PER_INTENT[source]
        )
        if per_intent[intent] >= limit:
            continue
        per_intent[intent] += 1
        kept.append(
            {
                "text": text,
                "reason": reason,
                "language": "en",
                "source": source,
                "licence": LICENCES[source],
                "weight": 1.0,
            }
        )
    return kept


def load_banking77(data_dir: Path, splits=("train",)) -> list[dict]:
    return _rows("banking77", sources.banking77_pairs(data_dir, splits), BANKING77)


def load_clinc150(data_dir: Path) -> list[dict]:
    return _rows("clinc150", sources.clinc150_pairs(data_dir), CLINC150)


def load_nlupp(data_dir: Path) -> list[dict]:
    pairs = []
    for text, modules in sources.nlupp_banking_examples(data_dir):
        matched = [reason for reason, rule in NLUPP_RULES.items() if rule(modules)]
        if len(matched) == 1:
            pairs.append((text, matched[0]))
    return _rows("nlupp", pairs, {reason: reason for reason in NLUPP_RULES})


def load_authored(path: Path = AUTHORED_CSV) -> list[dict]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [
        {
            "text": r.text,
            "reason": r.reason,
            "language": r.language,
            "source": "authored",
            "licence": LICENCES["authored"],
            "weight": AUTHORED_WEIGHT,
        }
        for r in frame.itertuples()
    ]


def build_training_data(data_dir: Path = DATA_DIR, banking77_splits=("train",)) -> pd.DataFrame:
    """Every mapped example, one row per normalised text (a text given two reasons is dropped)."""
    rows = load_authored() + load_banking77(data_dir, banking77_splits) + load_clinc150(data_dir) + load_nlupp(data_dir)
    frame = pd.DataFrame(rows)
    key = frame["text"].str.lower().str.replace(r"[^\w\s]", "", regex=True).str.strip()
    conflicting = frame.assign(key=key).groupby("key")["reason"].transform("nunique") > 1
    frame = frame[~conflicting.to_numpy()].assign(key=key[~conflicting]).drop_duplicates("key").drop(columns="key")
    return frame.reset_index(drop=True)


def load_harper_valley_calls(data_dir: Path = DATA_DIR) -> list[tuple[str, list[tuple[str, str]], str]]:
    """(call id, [(role, human transcript)], expected banking reason) for the 10 Harper Valley calls."""
    return [
        (call_id, turns, HARPER_VALLEY_TASKS[task]) for call_id, task, turns in sources.harper_valley_calls(data_dir)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, required=True, help="CSV to write (text, reason, language, source, ...)")
    parser.add_argument("--with-banking77-test", action="store_true", help="also train on Banking77's test split")
    args = parser.parse_args()
    splits = ("train", "test") if args.with_banking77_test else ("train",)
    frame = build_training_data(args.data_dir, splits)
    print(pd.crosstab(frame["reason"], frame["source"] + "/" + frame["language"], margins=True).to_string())
    frame.to_csv(args.out, index=False)
    print(f"wrote {len(frame)} examples to {args.out}")


if __name__ == "__main__":
    main()
