"""Learned claim tagging: an attribution tagger (a BiLSTM, earlier a CRF) and small linear models,
on top of the rules.

Why learned models: the rules are precise but miss many attributions (PolNeAR cue recall 0.37)
and most vague uncertainty; models trained on public data (train splits only) add that recall.
Why on top of the rules: the rules stay the only source of `disputed` and of the product's
readings of who is on the record, and their cues are features of the CRF.

- `features`: token features over the parse (the rules' tags among them); `bilstm`: the attribution
  tagger indexing uses; `crf`: what a labelling says about a sentence (content share, outermost cue
  and source), and the CRF it replaced (still trainable: `"model": "crf"`);
- `linear`: logistic regressions stored as JSON; `bags`: their text features; `hedge`: is a
  sentence uncertain; `stance`: a headline's stance, a body's stance towards a headline;
- `combine`: rules and CRF into one `SentenceAnalysis` per sentence (what indexing stores);
- `models`: loading the committed model files in `index/claims/models/` (offline, no pickle).
"""
