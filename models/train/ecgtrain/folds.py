"""Patient-wise cross-validation folds: each record (one patient) is in exactly one test part."""


def patient_folds(records, count):
    """Splits `records` into `count` folds of nearly equal size, in the order given (record i
    goes to fold i mod count). Returns a list of (training records, test records) pairs;
    no record is ever in both parts of a fold, and every record is tested exactly once."""
    if not 2 <= count <= len(records):
        raise ValueError(f"{count} folds for {len(records)} records")
    if len(set(records)) != len(records):
        raise ValueError("a record is listed twice")
    tests = [records[i::count] for i in range(count)]
    return [([r for r in records if r not in test], test) for test in tests]
