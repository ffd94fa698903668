"""The declarative definition of every CEB message of the 202205 edition.

One source of truth: `schemas.xsd_writer` turns it into the project's XSDs, the codec in
`declarations` reads and builds messages with it, and the docs list it.
"""

from schemas.definition import ceb_export, ceb_import
from schemas.definition.model import Family, Message, Sender

MESSAGES: tuple[Message, ...] = ceb_import.MESSAGES + ceb_export.MESSAGES
BY_CODE: dict[str, Message] = {message.code: message for message in MESSAGES}
BY_ROOT: dict[str, Message] = {message.root: message for message in MESSAGES}


def message_for_root(root: str) -> Message | None:
    """The message whose root element is `root` (`CEB311Message`), or None."""
    return BY_ROOT.get(root)


__all__ = ["BY_CODE", "BY_ROOT", "MESSAGES", "Family", "Message", "Sender", "message_for_root"]
