"""Build the contact-reason training data for the `contact_centre` taxonomy.

Public datasets (under ../shared/data) are mapped intent by intent onto our reasons; intents that fit no reason are
dropped, clearly out-of-scope ones (CLINC150 `oos`, small talk, other domains) become `other`. The project's own
authored examples (models/contact_centre/authored_examples.csv) add spoken-style English and all of the Russian.

    python tools/build_reason_data.py                 # print counts per source and reason
    python tools/build_reason_data.py --out data.csv  # also write the table
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
TAXONOMY_DIR = PROJECT_ROOT / "models" / "contact_centre"
AUTHORED_CSV = TAXONOMY_DIR / "authored_examples.csv"
SEED = 42
HELDOUT_FRACTION = 0.2

# Intent -> reason, per source. Anything not listed is dropped.
BANKING77 = {
    "transaction_charged_twice": "billing_payment",
    "extra_charge_on_statement": "billing_payment",
    "card_payment_fee_charged": "billing_payment",
    "card_payment_not_recognised": "billing_payment",
    "direct_debit_payment_not_recognised": "billing_payment",
    "card_payment_wrong_exchange_rate": "billing_payment",
    "declined_card_payment": "billing_payment",
    "pending_card_payment": "billing_payment",
    "request_refund": "refund_return",
    "Refund_not_showing_up": "refund_return",
    "card_arrival": "order_status_delivery",
    "card_delivery_estimate": "order_status_delivery",
    "terminate_account": "cancellation",
    "card_not_working": "technical_issue",
    "contactless_not_working": "technical_issue",
    "virtual_card_not_working": "technical_issue",
    "passcode_forgotten": "account_access",
    "pin_blocked": "account_access",
    "edit_personal_details": "update_account_details",
    "supported_cards_and_currencies": "product_information",
    "country_support": "product_information",
    "visa_or_mastercard": "product_information",
    "age_limit": "product_information",
    "apple_pay_or_google_pay": "product_information",
    "disposable_card_limits": "product_information",
    "lost_or_stolen_card": "other",
    "compromised_card": "other",
    "lost_or_stolen_phone": "other",
    "transfer_not_received_by_recipient": "other",
    "cash_withdrawal_not_recognised": "other",
}

# CLINC150 intents that are no contact reason of a bank or a retail/telecom centre (small talk, other domains);
# each taxonomy adds the few that are out of its own scope
OUT_OF_DOMAIN = (
    "weather",
    "tell_joke",
    "fun_fact",
    "meaning_of_life",
    "what_is_your_name",
    "who_made_you",
    "translate",
    "definition",
    "traffic",
    "recipe",
    "restaurant_suggestion",
    "travel_suggestion",
    "timezone",
    "flight_status",
    "lost_luggage",
    "taxes",
    "w2",
    "pto_request",
    "insurance",
    "play_music",
    "calculator",
    "spelling",
    "measurement_conversion",
    "alarm",
    "timer",
)

CLINC150 = {
    "pay_bill": "billing_payment",
    "bill_due": "billing_payment",
    "bill_balance": "billing_payment",
    "min_payment": "billing_payment",
    "order_status": "order_status_delivery",
    "account_blocked": "account_access",
    "credit_limit_change": "plan_or_product_change",
    "insurance_change": "plan_or_product_change",
    "international_fees": "product_information",
    "interest_rate": "product_information",
    "apr": "product_information",
    "accept_reservations": "product_information",
    "schedule_maintenance": "appointment_booking",
    "restaurant_reservation": "appointment_booking",
    "confirm_reservation": "appointment_booking",
    "cancel_reservation": "appointment_booking",
    "schedule_meeting": "appointment_booking",
    "oos": "other",
    # small talk and unrelated domains: what a caller might say that is no contact reason of ours
    **dict.fromkeys((*OUT_OF_DOMAIN, "directions", "report_lost_card", "report_fraud"), "other"),
}

DSTC11 = {
    "PayBill": "billing_payment",
    "ReportBillingIssue": "billing_payment",
    "CheckPaymentStatus": "billing_payment",
    "UpdatePaymentPreference": "billing_payment",
    "CancelAutomaticBilling": "billing_payment",
    "UpdateBillingFrequency": "billing_payment",
    "CheckAccountBalance": "billing_payment",
    "CancelPlan": "cancellation",
    "ResetPassword": "account_access",
    "CreateAccount": "account_access",
    "ChangePlan": "plan_or_product_change",
    "AddDependent": "plan_or_product_change",
    "RemoveDependent": "plan_or_product_change",
    "EnrollInPlan": "plan_or_product_change",
    "GetQuote": "product_information",
    "ChangeAddress": "update_account_details",
    "ChangeSecurityQuestion": "update_account_details",
    "FileClaim": "other",
    "ReportAutomobileAccident": "other",
    "RequestProofOfInsurance": "other",
    "GetPolicyNumber": "other",
    "FindAgent": "other",
}

# Only turns with a single task intent; greetings, confirmations and `outofdomain` are not reasons.
MULTIDOGO = {
    "viewbillsintent": "billing_payment",
    "disputecharge": "billing_payment",
    "closeaccount": "cancellation",
    "cancelserviceintent": "cancellation",
    "reportbrokensoftware": "technical_issue",
    "reportbrokenphone": "technical_issue",
    "checkserverstatus": "technical_issue",
    "startserviceintent": "plan_or_product_change",
    "upgradeserviceintent": "plan_or_product_change",
    "getinformationintent": "product_information",
    "checkoffereligibility": "product_information",
    "updateaddress": "update_account_details",
    "reportlostcard": "other",
    "checkclaimstatus": "other",
    "getproofofinsurance": "other",
    "expensereport": "other",
    "bookflight": "other",
}

# NLU++ labels are modules; only the `appointment` module maps cleanly onto one reason.
NLUPP_APPOINTMENT = "appointment_booking"

# Most examples kept per (source, intent): keeps one large intent from drowning the rest.
CAP_PER_INTENT = {"banking77": 45, "clinc150": 45, "dstc11": 200, "multidogo": 90, "nlupp": 100}
OTHER_CAP_PER_INTENT = 20  # `other` gathers many intents; each only needs to show the model a little of the world
CLINC_OOS_CAP = 200
MIN_WORDS = {"multidogo": 4}

LICENCES = {
    "banking77": "CC BY 4.0",
    "clinc150": "CC BY 3.0",
    "dstc11": "CDLA-Permissive-2.0",
    "multidogo": "CDLA-Permissive-1.0",
    "nlupp": "CC BY 4.0",
    "abcd": "MIT",
    "harper_valley": "Apache-2.0",
    "authored": "project's own (Apache-2.0)",
}

# Whole-call evaluation only (not training): the call's task -> our reason; tasks we cannot map are skipped.
HARPER_VALLEY_TASKS = {
    "schedule appointment": "appointment_booking",
    "reset password": "account_access",
    "pay bill": "billing_payment",
    "get branch hours": "product_information",
}
ABCD_SUBFLOWS = {
    "return_size": "refund_return",
    "refund_status": "refund_return",
    "timing_4": "product_information",
    "pricing_3": "product_information",
    "manage": "order_status_delivery",
}


def _rows(source: str, pairs, mapping: dict[str, str]) -> list[dict]:
    """Keep (text, intent) pairs whose intent maps to a reason, at most the source's cap per intent, in input order."""
    kept, per_intent = [], {}
    cap = CAP_PER_INTENT[source]
    for text, intent in pairs:
        reason = mapping.get(intent)
        text = " ".join(str(text).split())
        if reason is None or not text or len(text.split()) < MIN_WORDS.get(source, 1):
            continue
        limit = CLINC_OOS_CAP if intent == "oos" else min(cap, OTHER_CAP_PER_INTENT) if reason == "other" else cap
        if per_intent.get(intent, 0) >= limit:
            continue
        per_intent[intent] = per_intent.get(intent, 0) + 1
        kept.append({"text": text, "reason": reason, "language": "en", "source": source, "intent": intent})
    return kept


def banking77_pairs(data_dir: Path, splits=("train", "test")) -> list[tuple[str, str]]:
    """(text, intent) of Banking77's splits (shared with tools/build_banking_data.py)."""
    pairs = []
    for split in splits:
        with open(data_dir / "banking77" / f"{split}.csv", encoding="utf-8") as f:
            pairs += [(row["text"], row["category"]) for row in csv.DictReader(f)]
    return pairs


def clinc150_pairs(data_dir: Path) -> list[tuple[str, str]]:
    """(text, intent) of every CLINC150 split, out-of-scope ones as `oos`."""
    raw = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return [tuple(p) for split in ("train", "val", "oos_train", "oos_val", "test", "oos_test") for p in raw[split]]


def nlupp_banking_examples(data_dir: Path) -> list[tuple[str, set[str]]]:
    """(text, intent modules) of NLU++'s banking folds, in fold order."""
    examples = []
    for path in sorted((data_dir / "nlupp" / "data" / "banking").glob("fold*.json"), key=lambda p: int(p.stem[4:])):
        examples += [(e["text"], set(e.get("intents", []))) for e in json.loads(path.read_text(encoding="utf-8"))]
    return examples


def harper_valley_calls(data_dir: Path) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(call id, caller's task, [(role, human transcript)]) of the Harper Valley sample calls."""
    root = data_dir / "harper-valley-bank-sample"
    calls = []
    for row in pd.read_csv(root / "index.csv", dtype=str).itertuples():
        with open(root / "transcript" / f"{row.sid}.jsonl", encoding="utf-8") as f:
            segments = [json.loads(line) for line in f]
        turns = [("customer" if s["speaker_role"] == "caller" else "agent", s["human_transcript"]) for s in segments]
        calls.append((row.sid, row.task_type, [t for t in turns if t[1].strip()]))
    return calls


def load_banking77(data_dir: Path) -> list[dict]:
    return _rows("banking77", banking77_pairs(data_dir), BANKING77)


def load_clinc150(data_dir: Path) -> list[dict]:
    return _rows("clinc150", clinc150_pairs(data_dir), CLINC150)


def load_dstc11(data_dir: Path) -> list[dict]:
    path = data_dir / "dstc11-natcs-intents" / "development" / "test-utterances.jsonl"
    with open(path, encoding="utf-8") as f:
        pairs = [(u["utterance"], u["intent"]) for u in map(json.loads, f)]
    return _rows("dstc11", pairs, DSTC11)


def load_multidogo(data_dir: Path) -> list[dict]:
    pairs = []
    for path in sorted((data_dir / "multidogo" / "turn_level").glob("*/*.tsv")):
        with open(path, encoding="utf-8") as f:
            pairs += [(row["utterance"], row["intent"]) for row in csv.DictReader(f, delimiter="\t")]
    return _rows("multidogo", pairs, MULTIDOGO)


def load_nlupp(data_dir: Path) -> list[dict]:
    pairs = [(text, "appointment") for text, modules in nlupp_banking_examples(data_dir) if "appointment" in modules]
    return _rows("nlupp", pairs, {"appointment": NLUPP_APPOINTMENT})


def load_authored(path: Path = AUTHORED_CSV) -> list[dict]:
    frame = pd.read_csv(path, dtype=str)
    return [
        {"text": r.text, "reason": r.reason, "language": r.language, "source": "authored", "intent": r.reason}
        for r in frame.itertuples()
    ]


def _drop_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per normalised text; a text given two different reasons is dropped altogether."""
    key = frame["text"].str.lower().str.replace(r"[^\w\s]", "", regex=True).str.strip()
    conflicting = frame.assign(key=key).groupby("key")["reason"].transform("nunique") > 1
    return frame[~conflicting.to_numpy()].assign(key=key[~conflicting]).drop_duplicates("key").drop(columns="key")


def build_training_data(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """All mapped examples: columns text, reason, language, source, intent."""
    rows = load_authored()
    for load in (load_dstc11, load_banking77, load_clinc150, load_multidogo, load_nlupp):
        rows += load(data_dir)
    return _drop_duplicates(pd.DataFrame(rows)).reset_index(drop=True)


def split_heldout(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, held-out): stratified by reason within each (source, language), fixed seed, so any subset re-splits alike."""
    train, heldout = [], []
    for _, group in frame.groupby(["source", "language"], sort=True):
        tr, te = train_test_split(group, test_size=HELDOUT_FRACTION, stratify=group["reason"], random_state=SEED)
        train.append(tr)
        heldout.append(te)
    return pd.concat(train).sort_index(), pd.concat(heldout).sort_index()


def load_harper_valley_calls(data_dir: Path = DATA_DIR) -> list[tuple[str, list[tuple[str, str]], str]]:
    """(call id, [(role, text)], expected reason) for the Harper Valley calls whose task maps onto a reason."""
    return [
        (call_id, turns, HARPER_VALLEY_TASKS[task])
        for call_id, task, turns in harper_valley_calls(data_dir)
        if task in HARPER_VALLEY_TASKS
    ]


def load_abcd_calls(data_dir: Path = DATA_DIR) -> list[tuple[str, list[tuple[str, str]], str]]:
    """(conversation id, [(role, text)], expected reason) for the ABCD sample dialogues; system actions left out."""
    path = data_dir / "abcd" / "dialogstudio_abcd_original_examples.json"
    calls = []
    for convo in json.loads(path.read_text(encoding="utf-8")):
        reason = ABCD_SUBFLOWS.get(convo["scenario"]["subflow"])
        if reason is not None:
            turns = [(speaker, text) for speaker, text in convo["original"] if speaker in ("agent", "customer")]
            calls.append((str(convo["convo_id"]), turns, reason))
    return calls


def counts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Examples per reason (rows) and source/language (columns)."""
    column = (frame["source"] + "/" + frame["language"]).rename("source/language")
    return pd.crosstab(frame["reason"], column, margins=True, margins_name="total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="the shared public data folder")
    parser.add_argument("--out", type=Path, help="write the table as CSV here")
    args = parser.parse_args()
    frame = build_training_data(args.data_dir)
    print(counts_table(frame).to_string())
    if args.out:
        frame.to_csv(args.out, index=False, quoting=csv.QUOTE_MINIMAL)
        print(f"wrote {len(frame)} examples to {args.out}")


if __name__ == "__main__":
    main()
