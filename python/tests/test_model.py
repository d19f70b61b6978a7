import os
import pickle
import subprocess

import numpy as np
import pandas as pd
import pytest

import leadscore
from leadscore import InputError, Model, Table, fit_model
from leads_data import leads

CLI = os.environ.get("LEADSCORE_CLI")
PARAMS = {"logistic": {}, "frequency": {}, "gbt": {"trees": 20, "max_depth": 3, "min_category_count": 1}}


def fitted(kind, df=None):
    df = leads() if df is None else df
    return fit_model(kind, Table.from_pandas(df), "won", params=PARAMS[kind], as_of=0)


@pytest.fixture(scope="module")
def data():
    return leads()


@pytest.mark.skipif(CLI is None, reason="the command-line program was not built")
@pytest.mark.parametrize("kind", ["logistic", "frequency", "gbt"])
def test_scores_equal_the_command_line_programs_bit_for_bit(kind, data, tmp_path):
    model = fitted(kind, data)
    model.save(tmp_path / "m.model")
    csv = data.drop(columns="won").copy()
    csv["source"] = csv["source"].astype(object)
    csv.to_csv(tmp_path / "leads.csv", index=False, float_format="%.17g", na_rep="")
    subprocess.run([CLI, "score", "--model", str(tmp_path / "m.model"), "--data", str(tmp_path / "leads.csv"),
                    "--out", str(tmp_path / "scores.csv")], check=True, capture_output=True)
    theirs = pd.read_csv(tmp_path / "scores.csv", float_precision="round_trip")
    ours = model.score(data)
    assert ours.dtype == np.float64 and ours.shape == (len(data),)
    # The program writes the shortest text that reads back as the same double: equal texts, equal bits.
    np.testing.assert_array_equal(ours, theirs["probability"].to_numpy())
    assert list(model.temperature(scores=ours).astype(object)) == list(theirs["temperature"])


@pytest.mark.skipif(CLI is None, reason="the command-line program was not built")
def test_a_model_trained_by_the_program_scores_the_same_here(data, tmp_path):
    data.to_csv(tmp_path / "train.csv", index=False, float_format="%.17g", na_rep="")
    subprocess.run([CLI, "train", "--model", "logistic", "--data", str(tmp_path / "train.csv"), "--target", "won",
                    "--positive", "true", "--out", str(tmp_path / "m.model")], check=True, capture_output=True)
    theirs = Model.load(tmp_path / "m.model")
    ours = fit_model("logistic", Table.from_pandas(data), "won")
    np.testing.assert_array_equal(theirs.score(data), ours.score(data))


def test_out_is_written_and_returned(data):
    model = fitted("logistic", data)
    out = np.full(len(data), -1.0)
    back = model.score(data, out=out)
    assert back is out
    np.testing.assert_array_equal(out, model.score(data))
    assert np.all((out > 0) & (out < 1))


def test_scores_do_not_depend_on_threads(data):
    model = fitted("gbt", data)
    np.testing.assert_array_equal(model.score(data, threads=1), model.score(data, threads=2))


@pytest.mark.parametrize("out, message", [
    (np.zeros(3), "field 'out': expected a one-dimensional array of 400"),
    (np.zeros(400, dtype=np.float32), "field 'out': expected a numpy array of float64"),
    (np.zeros((400, 2))[:, 0], "field 'out': the array is not contiguous"),
])
def test_a_wrong_out_is_refused(data, out, message):
    with pytest.raises(InputError, match=message):
        fitted("logistic", data).score(data, out=out)


def test_read_only_out_is_refused(data):
    out = np.zeros(len(data))
    out.flags.writeable = False
    with pytest.raises(InputError, match="read-only"):
        fitted("logistic", data).score(data, out=out)


def test_data_without_a_field_the_model_reads_names_it(data):
    with pytest.raises(InputError, match="field 'budget': the frame has no such column"):
        fitted("logistic", data).score(data.drop(columns="budget"))
    with pytest.raises(InputError, match="field 'budget': expected a numeric column"):
        fitted("logistic", data).score(data.assign(budget="x"))


def test_pickles_as_a_portable_text_archive(data):
    for kind in ("logistic", "frequency", "gbt"):
        model = fitted(kind, data)
        raw = model.to_bytes()
        # leadscore's text archive: its magic number ("leadscor" as a 64-bit integer) in decimal, then only text.
        assert raw.startswith(b"%d " % int.from_bytes(b"leadscor", "big"))
        assert all(32 <= c < 127 or c in b"\n\t" for c in raw)
        back = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(back.score(data), model.score(data))
        assert back.fields == model.fields and back.kind == kind


def test_save_and_load_in_every_format(data, tmp_path):
    model = fitted("logistic", data)
    for fmt in ("xml", "text", "binary"):
        model.save(tmp_path / f"m.{fmt}", format=fmt)
        np.testing.assert_array_equal(Model.load(tmp_path / f"m.{fmt}").score(data), model.score(data))


def test_damaged_models_raise_the_librarys_error(tmp_path):
    with pytest.raises(leadscore.Error, match="nothing.model"):
        Model.load(tmp_path / "nothing.model")
    raw = fitted("logistic").to_bytes()
    with pytest.raises(leadscore.Error, match="pickled model"):
        Model.from_bytes(raw[: len(raw) // 2])


def test_explanations_add_up_to_the_log_odds(data):
    model = fitted("logistic", data)
    p = model.score(data)
    ex = model.explain(data, top=1000)
    assert ex.attrs["unit"] == "log-odds"
    assert list(ex.columns) == ["row", "rank", "factor", "contribution", "score"]
    sums = ex.groupby("row")["contribution"].sum().reindex(range(len(data)), fill_value=0.0)
    np.testing.assert_allclose(sums.to_numpy(), np.log(p / (1 - p)), rtol=0, atol=1e-9)
    top = model.explain(data, top=3)
    assert top.groupby("row").size().max() == 3
    first = top[top.row == 0]
    mags = np.abs(first["contribution"].to_numpy())
    assert list(first["rank"]) == [1, 2, 3] and np.all(mags[:-1] >= mags[1:])
    # the three largest of all row 0's factors
    everything = np.sort(np.abs(ex[ex.row == 0]["contribution"].to_numpy()))[::-1]
    np.testing.assert_array_equal(mags, everything[:3])


def test_temperature_follows_the_bands(data):
    model = fitted("logistic", data)
    warm, hot = model.bands
    base = data["won"].mean()
    assert warm == pytest.approx(base) and hot == pytest.approx(3 * base / (1 + 2 * base))
    scores = np.array([np.nan, 0.0, warm, np.nextafter(hot, 0), hot, 1.0])
    t = model.temperature(scores=scores)
    assert list(t.astype(object)) == [np.nan, "cold", "warm", "warm", "hot", "hot"]
    assert list(model.temperature(data)) == list(model.temperature(scores=model.score(data)))


def test_model_reports_what_it_is(data):
    model = fitted("logistic", data)
    assert model.kind == "logistic" and model.scale == "probability"
    assert model.target == {"field": "won", "positive": [], "negative": [], "type": "boolean"}
    assert model.report["rows"] == len(data) and model.report["positives"] == int(data["won"].sum())
    assert {f[0] for f in model.fields} == {"visits", "budget", "region", "source", "newsletter"}
    assert sorted(model.vocabulary["region"]) == sorted(["Zürich", "東京", "São Paulo", "north"])
    assert "logistic" in repr(model)


def test_bad_trainer_options_name_the_option(data):
    table = Table.from_pandas(data)
    with pytest.raises(leadscore.DefinitionError, match="unknown parameter 'tree'"):
        fit_model("gbt", table, "won", params={"tree": 3})
    with pytest.raises(leadscore.DefinitionError, match="unknown model kind"):
        fit_model("forest", table, "won")
    with pytest.raises(InputError, match="field 'l2'"):
        fit_model("logistic", table, "won", params={"l2": "much"})
    with pytest.raises(leadscore.DefinitionError):
        fit_model("logistic", table, "nothing")


def test_codes_changed_after_the_table_was_built_are_refused_not_read(data):
    model = fitted("logistic", data)
    codes = np.asarray(data["region"].cat.codes, dtype=np.int32).copy()
    cats = list(data["region"].cat.categories)
    columns = {n: data[n] for n in ("visits", "budget", "newsletter")}
    columns["source"] = data["source"]
    table = Table.from_pandas(pd.DataFrame({**columns, "region": pd.Categorical.from_codes(codes, cats)}),
                              schema=model.fields)
    table2 = Table.from_arrays({"region": codes, "visits": data["visits"].to_numpy(),
                                "budget": data["budget"].to_numpy(), "newsletter": data["newsletter"].to_numpy(),
                                "source": data["source"]}, schema=model.fields, categories={"region": cats})
    assert np.shares_memory(table2.column("region"), codes)
    codes[7] = 99  # the table reads this array in place
    with pytest.raises(InputError, match="field 'region'.*row 7: code 99"):
        model.score(table2)
    with pytest.raises(InputError, match="row 7"):
        model.explain(table2)
    np.testing.assert_array_equal(model.score(table), model.score(data))  # the frame's own codes were widened: a copy
    assert not table.column("region").flags.writeable  # the table's own copy cannot be changed behind its back


@pytest.fixture(scope="module")
def big():
    """40,000 rows: score(df) widens pandas' int8 / int16 codes in blocks of 16 Ki rows as it scores them."""
    return leads(40_000, seed=11).drop(columns="won")


@pytest.mark.parametrize("kind", ["logistic", "frequency", "gbt"])
def test_frames_of_many_blocks_score_as_tables_of_int32_codes_bit_for_bit(kind, data, big):
    # The table of int32 codes is scored the engine's way, in one pass over the whole table.
    model = fitted(kind, data)
    wide = big.assign(region=pd.Categorical(big["region"], categories=[*data["region"].cat.categories,
                                                                       *(f"r{i}" for i in range(200))]))
    assert big["region"].cat.codes.dtype == np.int8 and wide["region"].cat.codes.dtype == np.int16
    ready = Table.from_arrays({"visits": big["visits"].to_numpy(), "budget": big["budget"].to_numpy(),
                               "region": big["region"].cat.codes.to_numpy().astype(np.int32),
                               "source": big["source"], "newsletter": big["newsletter"].to_numpy()},
                              schema=model.fields, categories={"region": list(big["region"].cat.categories)})
    expected = model.score(ready, threads=1)
    for frame in (big, wide):
        for threads in (1, 2):
            np.testing.assert_array_equal(model.score(frame, threads=threads), expected)


def test_a_bad_code_in_a_later_block_names_the_tables_row(data, big):
    model = fitted("logistic", data)
    columns = leadscore._table._pandas_columns(big, model.fields)
    k = [c[0] for c in columns].index("region")
    codes = columns[k][3].copy()  # int8 codes: pandas would not hold this one, a caller's array can
    codes[33_000] = 9
    columns[k] = (*columns[k][:3], codes, columns[k][4])
    table = leadscore._leadscore._Table(len(big), columns, None, 2, True)  # as score(df) builds it
    with pytest.raises(InputError, match="field 'region': row 33000: code 9 is not one of the 4 categories"):
        model._core.score(table, None, 2, None)
