import numpy as np
import pandas as pd
import pytest

import leadscore
from leadscore import InputError, Table

MISSING_TIME = np.iinfo(np.int64).min


def test_float64_columns_are_read_in_place():
    df = pd.DataFrame({"x": [1.5, np.nan, -2.0], "y": [0.0, 1.0, 2.0]})
    t = Table.from_pandas(df)
    assert t.fields == [("x", "numeric", "none"), ("y", "numeric", "none")]
    assert len(t) == 3
    assert np.shares_memory(t.column("x"), df["x"].to_numpy())
    assert np.isnan(t.column("x")[1])


def test_other_numbers_are_converted_to_float64():
    df = pd.DataFrame({"i": np.array([1, 2, 3], dtype=np.int64), "f": np.array([0.5, 1, 2], dtype=np.float32),
                       "n": pd.array([1, None, 3], dtype="Int64")})
    t = Table.from_pandas(df)
    assert [f[1] for f in t.fields] == ["numeric"] * 3
    np.testing.assert_array_equal(t.column("i"), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(t.column("f"), [0.5, 1.0, 2.0])
    assert t.column("n").dtype == np.float64
    np.testing.assert_array_equal(t.column("n"), [1.0, np.nan, 3.0])  # <NA> is NaN, the engine's missing number


def test_int8_category_codes_are_widened_and_missing_is_minus_one():
    cat = pd.Categorical(["b", None, "a", "b"], categories=["a", "b"])
    assert cat.codes.dtype == np.int8  # what pandas stores for few categories
    t = Table.from_pandas(pd.DataFrame({"c": cat}))
    assert t.fields == [("c", "categorical", "none")]
    np.testing.assert_array_equal(t.column("c"), [1, -1, 0, 1])
    assert t.column("c").dtype == np.int32
    assert t.categories("c") == ["a", "b"]


def test_int32_category_codes_are_read_in_place():
    categories = [f"c{i}" for i in range(40000)]  # past 32,767 categories pandas stores int32 codes
    cat = pd.Categorical.from_codes(np.array([39999, 0, -1, 5]), categories=categories)
    assert cat.codes.dtype == np.int32
    df = pd.DataFrame({"c": cat})
    t = Table.from_pandas(df)
    assert np.shares_memory(t.column("c"), df["c"].cat.codes.to_numpy())
    assert t.categories("c")[39999] == "c39999"
    codes = np.array([2, -1, 0], dtype=np.int32)
    t2 = Table.from_arrays({"c": codes}, categories={"c": ["x", "y", "z"]})
    assert np.shares_memory(t2.column("c"), codes)


def test_unicode_categories_round_trip():
    texts = ["Zürich", "東京", "🙂 emoji", "naïve café"]
    df = pd.DataFrame({"c": pd.Categorical(texts), "s": pd.array(texts + [None], dtype="string")[:4]})
    t = Table.from_pandas(df)
    assert sorted(t.categories("c")) == sorted(texts)
    assert [t.categories("c")[k] for k in t.column("c")] == texts
    assert [t.categories("s")[k] for k in t.column("s")] == texts


def test_string_and_object_columns_are_categorical():
    df = pd.DataFrame({"s": pd.array(["a", None, "b", "a"], dtype="string"), "o": ["x", None, "y", "x"]})
    t = Table.from_pandas(df)
    assert [f[1] for f in t.fields] == ["categorical", "categorical"]
    for name in ("s", "o"):
        codes, cats = t.column(name), t.categories(name)
        assert [cats[k] if k >= 0 else None for k in codes] == list(df[name].astype(object).where(df[name].notna(), None))
        assert codes[1] == -1


def test_booleans_are_read_in_place_and_nullable_booleans_converted():
    df = pd.DataFrame({"b": np.array([True, False, True]), "n": pd.array([True, None, False], dtype="boolean")})
    t = Table.from_pandas(df)
    assert [f[1] for f in t.fields] == ["boolean", "boolean"]
    assert np.shares_memory(t.column("b"), df["b"].to_numpy())
    np.testing.assert_array_equal(t.column("b"), [1, 0, 1])
    np.testing.assert_array_equal(t.column("n"), [1, -1, 0])


def test_datetimes_become_seconds_with_nat_missing():
    times = pd.to_datetime(["1970-01-01 00:00:01", None, "2024-03-01 12:00:00.9", "1969-12-31 23:59:59.5"])
    t = Table.from_pandas(pd.DataFrame({"t": times}))
    assert t.fields == [("t", "timestamp", "none")]
    # 2024-03-01 12:00 UTC = 19783 days * 86400 + 12 h; fractions of a second are floored, before 1970 too.
    np.testing.assert_array_equal(t.column("t"), [1, MISSING_TIME, 19783 * 86400 + 43200, -1])
    aware = pd.Series(pd.to_datetime(["2024-03-01 13:00"]).tz_localize("Europe/Zurich"))
    np.testing.assert_array_equal(Table.from_pandas(pd.DataFrame({"t": aware})).column("t"), [19783 * 86400 + 43200])


def test_int64_seconds_are_read_in_place_as_timestamps():
    seconds = np.array([0, 86400, MISSING_TIME], dtype=np.int64)
    t = Table.from_arrays({"t": seconds}, schema={"t": "timestamp"})
    assert np.shares_memory(t.column("t"), seconds)


def test_schema_picks_orders_and_types_columns_with_roles():
    df = pd.DataFrame({"a": [1.0, 2.0], "stage": ["open", "won"], "skip": ["x", "y"]})
    t = Table.from_pandas(df, schema={"stage": ("categorical", "stage"), "a": "numeric"})
    assert t.fields == [("stage", "categorical", "stage"), ("a", "numeric", "none")]
    t2 = Table.from_pandas(df, schema=[("a", "numeric")])
    assert t2.columns == ["a"]


def test_events_are_sorted_per_lead_with_offsets():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=["L1", "L2", "L3"])
    events = pd.DataFrame({"lead": ["L3", "L1", "L3", "L1"],
                           "time": pd.to_datetime(["2024-01-03", "2024-01-02", "2024-01-01", "2024-01-01"]),
                           "type": ["email opened", "page visited", "page visited", "email opened"],
                           "detail": [None, "pricing", "home", None]})
    t = Table.from_pandas(df, events=events)
    records, offsets = t.events()
    assert records.dtype == leadscore.EVENT_DTYPE and records.dtype.itemsize == 16
    np.testing.assert_array_equal(offsets, [0, 2, 2, 4])  # L1 two, L2 none, L3 two
    day = 86400
    jan1 = 19723 * day  # 2024-01-01
    np.testing.assert_array_equal(records["time"], [jan1, jan1 + day, jan1, jan1 + 2 * day])


def test_events_of_an_unknown_lead_are_refused():
    df = pd.DataFrame({"x": [1.0]}, index=["L1"])
    events = pd.DataFrame({"lead": ["L9"], "time": pd.to_datetime(["2024-01-01"]), "type": ["email opened"]})
    with pytest.raises(InputError, match="'L9'"):
        Table.from_pandas(df, events=events)


@pytest.mark.parametrize("df, schema, message", [
    (pd.DataFrame({"x": ["a", "b"]}), {"x": "numeric"}, "field 'x': expected a numeric column"),
    (pd.DataFrame({"x": [1.0, 2.0]}), {"x": "boolean"}, "field 'x': expected a boolean column"),
    (pd.DataFrame({"x": [1.0, 2.0]}), {"x": "categorical"}, "field 'x': expected a categorical"),
    (pd.DataFrame({"x": ["a", "b"]}), {"x": "timestamp"}, "field 'x': expected a datetime64"),
    (pd.DataFrame({"x": [1.0, 2.0]}), {"y": "numeric"}, "field 'y': the frame has no such column"),
    (pd.DataFrame({"x": [1.0, 2.0]}), {"x": "text"}, "field 'x': unknown field type"),
    (pd.DataFrame({"x": ["a", 3]}), None, "field 'x': expected texts, found 3"),
    (pd.DataFrame({"x": [1.0, 2.0]}), {"x": ("numeric", "boss")}, "field 'x': unknown role"),
])
def test_wrong_columns_raise_input_error_naming_the_column(df, schema, message):
    with pytest.raises(InputError) as e:
        Table.from_pandas(df, schema=schema)
    assert message in str(e.value)
    assert isinstance(e.value, ValueError)


def test_arrays_of_wrong_lengths_dtypes_or_codes_are_refused():
    with pytest.raises(InputError, match="field 'b': has 2 values"):
        Table.from_arrays({"a": np.zeros(3), "b": np.zeros(2)})
    with pytest.raises(InputError, match="field 'c'.*code 3 is not one of the 3 categories"):
        Table.from_arrays({"c": np.array([0, 3], dtype=np.int32)}, categories={"c": ["x", "y", "z"]})
    with pytest.raises(InputError, match="field 'c'.*row 70000: code 5 is not one of the 1 categories"):
        codes = np.zeros(70001, dtype=np.int8)  # int8 codes are widened by the engine's table, block by block
        codes[70000] = 5
        Table.from_arrays({"c": codes}, categories={"c": ["x"]})
    with pytest.raises(InputError, match="field 'c'.*row 1: code -2"):
        Table.from_arrays({"c": np.array([0, -2], dtype=np.int16)}, categories={"c": ["x"]})
    with pytest.raises(InputError, match="field 'c'.*listed twice"):
        Table.from_arrays({"c": np.array([0], dtype=np.int32)}, categories={"c": ["x", "x"]})
    with pytest.raises(InputError, match="field 'c': expected integer codes"):
        Table.from_arrays({"c": np.array([0.0])}, categories={"c": ["x"]})
    with pytest.raises(InputError, match="field 'a': expected a one-dimensional array"):
        leadscore._leadscore._Table(2, [("a", "numeric", None, np.zeros((2, 1)), None)], None)
    with pytest.raises(InputError, match="field 'a': expected an array of dtype kind 'f'"):
        leadscore._leadscore._Table(2, [("a", "numeric", None, np.zeros(2, dtype=np.float32), None)], None)
    with pytest.raises(InputError, match="field 'b': row 0: flag 2"):
        leadscore._leadscore._Table(1, [("b", "boolean", None, np.array([2], dtype=np.int8), None)], None)


def test_the_table_keeps_its_arrays_alive():
    t = Table.from_arrays({"x": np.arange(1000, dtype=np.float64)})
    import gc
    gc.collect()
    assert t.column("x")[999] == 999.0


def test_help_reads_well():
    assert "zero-copy" in Table.__doc__ and "from_pandas" in Table.__doc__
    assert "InputError" in Table.from_pandas.__doc__


def test_widened_codes_of_a_dead_table_serve_the_next_but_never_while_held():
    df = pd.DataFrame({"c": pd.Categorical(["a", "b", None] * 1000)})
    t1 = Table.from_pandas(df)
    address = t1.column("c").ctypes.data
    del t1
    t2 = Table.from_pandas(df)
    assert t2.column("c").ctypes.data == address  # the memory is already mapped: no page faults batch after batch
    held = t2.column("c")
    del t2
    t3 = Table.from_pandas(df)
    assert not np.shares_memory(t3.column("c"), held)
    np.testing.assert_array_equal(held, t3.column("c"))
