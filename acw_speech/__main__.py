from acw_speech.cli import app

app(prog_name="acw")
