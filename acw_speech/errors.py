"""One exception hierarchy; the CLI maps it to messages and exit codes."""


class AcwError(Exception):
    """Base class: a problem the user can understand and fix, shown without a traceback."""

    exit_code = 1


class ConfigError(AcwError):
    """The pipeline config is missing, unreadable or has a wrong key or value."""


class ModelError(AcwError):
    """A model (ASR or classifier) cannot be found, assembled or loaded."""


class OutputError(AcwError):
    """The output directory cannot be written."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd, `timeout`, `kill`): the run stops as on Ctrl-C, the finished calls written; exit 143."""


class RecordingError(AcwError):
    """One recording cannot be processed; `status` is its row's status (decode_error, empty_audio, ...)."""

    def __init__(self, status: str, message: str, duration_s: float | None = None):
        super().__init__(message)
        self.status = status
        self.duration_s = duration_s  # what was decoded before the problem showed, when known
