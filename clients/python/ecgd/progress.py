"""Showing ``$/progress`` (LSP work-done progress) of a long call: tqdm when installed, a line otherwise."""
import sys
import warnings


class ProgressBar:
    """Follows one request's ``begin`` / ``report`` / ``end`` values."""

    def __init__(self, stream=None):
        self._stream = stream
        self._bar = None
        self._line = None
        self._title = ""

    def __call__(self, value):
        kind = value.get("kind")
        if kind == "begin":
            self._title = value.get("title", "")
            self._start()
        if kind in ("begin", "report"):
            self._show(value.get("percentage"), value.get("message"))
        elif kind == "end":
            self.close()

    def _start(self):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tqdm.auto warns when ipywidgets is missing
                from tqdm.auto import tqdm
        except ImportError:
            self._line = self._stream or sys.stderr
            return
        self._bar = tqdm(total=100, desc=self._title, unit="%", file=self._stream, leave=False,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}|{postfix}")

    def _show(self, percentage, message):
        if self._bar is not None:
            if percentage is not None:
                self._bar.n = percentage
            if message:
                self._bar.set_postfix_str(message, refresh=False)
            self._bar.refresh()
        elif self._line is not None:
            text = f"{self._title}: {percentage if percentage is not None else '?'}%"
            self._line.write(f"\r{text} {message or ''}".ljust(60))
            self._line.flush()

    def close(self):
        """Removes the bar (or ends the line); safe to call more than once."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._line is not None:
            self._line.write("\n")
            self._line.flush()
            self._line = None
