"""What a question asks and names: its frame (answer type, places, years, language), place
names in any script and by sound, the corpus's gazetteer and countries."""
