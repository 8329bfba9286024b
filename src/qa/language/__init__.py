"""Knowledge about language shared by every stage: the lexicon (data in ``lexicon.toml``),
scripts and character forms, eras, place suffixes."""
