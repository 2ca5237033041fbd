from acw_speech.cli import entry_point

entry_point()
