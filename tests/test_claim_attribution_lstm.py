"""The attribution BiLSTM (`index.claims.learned.bilstm`): its inputs, its files, its training
command on a small PolNeAR-shaped folder written here, and the shipped model on sentences written
here (never taken from a data set)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from safetensors.torch import load_file
from spacy.tokens import DocBin

from evaluation.claims_training import Parser, train_attribution
from index.claims.learned import models as model_files
from index.claims.learned.bilstm import AttributionLSTM, Vocabularies, tok2vec_rows
from index.claims.rules import analyse_sentence, load_nlp
from index.claims.tagger import analyse_paragraph


def test_vocabularies_index_values_by_frequency_and_map_rare_ones_to_unseen() -> None:
    rows = [[("said", "VERB"), ("the", "DET")], [("said", "VERB"), ("pier", "NOUN")]]
    vocab = Vocabularies.count(rows, min_count=2)
    # 0 pads, 1 is unseen: the most frequent value of each field gets 2.
    assert vocab.fields[0] == {"said": 2}
    assert vocab.fields[1] == {"VERB": 2}
    assert vocab.encode([("said", "NOUN"), ("pier", "VERB")]) == [[2, 1], [1, 2]]


def test_the_shipped_tagger_reads_attribution_with_the_bilstm() -> None:
    model_files.load_tagger.cache_clear()
    settings = model_files.attribution_settings()
    assert settings["model"] == "bilstm"
    assert isinstance(model_files.load_tagger().crf, AttributionLSTM)


def _cues(text: str) -> list[tuple[str, str | None]]:
    doc = load_nlp()(text)
    return [
        (cue.text, cue.source)
        for _, analysis in analyse_paragraph(doc)
        for cue in analysis.cues
        if cue.kind == "attribution"
    ]


def test_the_bilstm_finds_cues_and_their_sources() -> None:
    assert _cues("The fishermen's union slammed the council for raising the mooring fees.") == [
        ("slammed", "The fishermen's union")
    ]
    assert _cues("Residents accused the council of hiding the cost of the repairs.") == [("accused", "Residents")]
    # Plain reporting has no cue.
    assert _cues("The ferry left the harbor at noon with forty passengers on board.") == []


def test_a_parse_read_back_without_its_tensor_is_read_the_same() -> None:
    """A DocBin keeps no tok2vec tensor (training's parse cache): the tagger computes it again."""
    nlp = load_nlp()
    text = "The harbor master said on Monday that the pier would close, and residents accused the council of lying."
    fresh = nlp(text)
    restored = next(DocBin().from_bytes(DocBin(docs=[fresh]).to_bytes()).get_docs(nlp.vocab))
    assert restored.tensor is None or len(restored.tensor) != len(restored)
    model = model_files.load_tagger().crf
    readings = []
    for doc in (fresh, restored):
        arrays = model.arrays(doc)
        readings.append([model.read(s.start, s.end, arrays, analyse_sentence(s)).labels for s in doc.sents])
    assert readings[0] == readings[1]
    assert "CUE" in readings[0][0]
    assert tok2vec_rows(restored).shape == (len(restored), 96)


_TEXT = (
    "The harbor master said the pier would close in May.\n"
    "Residents complained that the ferry was late again.\n"
    "The ferry left at noon.\n"
)


def _annotation(text: str) -> str:
    lines, t = [], 0
    for e, (source, cue, content) in enumerate(
        (
            ("The harbor master", "said", "the pier would close in May"),
            ("Residents", "complained", "that the ferry was late again"),
        ),
        start=1,
    ):
        ids = []
        for kind, words in (("Source", source), ("Cue", cue), ("Content", content)):
            t += 1
            start = text.index(words)
            lines.append(f"T{t}\t{kind} {start} {start + len(words)}\t{words}")
            ids.append(f"{kind}:T{t}")
        lines.append(f"E{e}\tAttribution:T{t} " + " ".join(ids))
    return "\n".join(lines) + "\n"


def test_training_writes_a_model_the_tagger_loads(tmp_path: Path) -> None:
    data, out = _polnear_folder(tmp_path)
    report = train_attribution(data, out, Parser(), {"epochs": 2, "min_count": 1})
    assert report["sentences"] == 9 and len(report["epoch_losses"]) == 2  # type: ignore[arg-type]
    settings = json.loads((out / model_files.ATTRIBUTION_SETTINGS).read_text(encoding="utf-8"))
    assert settings["model"] == "bilstm" and settings["vocabularies"]
    model_files.load_tagger.cache_clear()
    tagger = model_files.load_tagger(out)
    assert isinstance(tagger.crf, AttributionLSTM)
    readings = tagger.analyse(load_nlp()("The harbor master said the pier would close."))
    assert len(readings) == 1
    model_files.load_tagger.cache_clear()


def _polnear_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A PolNeAR-shaped train folder of three copies of `_TEXT`, and a models folder to train into."""
    data = tmp_path / "data"
    folder = data / "polnear" / "train"
    (folder / "text").mkdir(parents=True)
    (folder / "attributions").mkdir()
    for n in range(3):
        (folder / "text" / f"harbor_{n}.txt").write_text(_TEXT, encoding="utf-8")
        (folder / "attributions" / f"harbor_{n}_ab12.ann").write_text(_annotation(_TEXT), encoding="utf-8")
    out = tmp_path / "models"
    out.mkdir()
    for name in (model_files.HEDGE, model_files.CUES):
        shutil.copy(model_files.MODELS / name, out / name)
    return data, out


def test_the_weights_written_are_the_mean_of_the_last_epochs(tmp_path: Path) -> None:
    """Training is seeded: the network after epochs 2 and 3 of one run is that of runs stopped there,
    and `average_from` 2 writes the mean of the two (stochastic weight averaging)."""
    data, out = _polnear_folder(tmp_path)
    weights = {}
    for epochs, first in ((2, 2), (3, 3), (3, 2)):
        settings = {"epochs": epochs, "average_from": first, "min_count": 1, "learning_rate": 0.05}
        train_attribution(data, out, Parser(), settings)
        weights[epochs, first] = {k: v.float() for k, v in load_file(str(out / model_files.ATTRIBUTION_LSTM)).items()}
    for name, averaged in weights[3, 2].items():
        mean = (weights[2, 2][name] + weights[3, 3][name]) / 2
        # float16 files: the mean is met to their rounding, far closer than the last epoch alone
        assert float((averaged - mean).abs().max()) <= 4e-3, name
        apart = float((weights[3, 3][name] - mean).norm())
        assert float((averaged - mean).norm()) <= 0.1 * apart or apart < 1e-3, name
    assert any(not weights[3, 2][name].equal(weights[3, 3][name]) for name in weights[3, 2])
