"""The value objects of the content: who said it (Source) and what we teach (Lesson)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Topic(enum.Enum):
    """The fixed topic taxonomy; every lesson carries one to three of these."""

    LEARNING = "learning"
    CAREER = "career"
    RESEARCH = "research"
    ENGINEERING = "engineering"
    DATA = "data"
    PAPERS = "papers"
    KAGGLE = "kaggle"
    PRODUCTION = "production"
    COMMUNICATION = "communication"
    TEAMWORK = "teamwork"
    MINDSET = "mindset"
    MATH = "math"
    TOOLS = "tools"
    PROJECTS = "projects"
    HIRING = "hiring"


TOPIC_DESCRIPTIONS: dict[Topic, str] = {
    Topic.LEARNING: "how to learn ML and keep learning",
    Topic.CAREER: "choosing roles, paths and next steps",
    Topic.RESEARCH: "doing research, PhDs, research scientists",
    Topic.ENGINEERING: "software engineering for ML, experiments, pipelines",
    Topic.DATA: "working with data before models",
    Topic.PAPERS: "reading, implementing and writing papers",
    Topic.KAGGLE: "Kaggle and ML competitions",
    Topic.PRODUCTION: "deploying and shipping models",
    Topic.COMMUNICATION: "explaining your work, writing, talking to people",
    Topic.TEAMWORK: "working with colleagues, mentors and communities",
    Topic.MINDSET: "habits, motivation, getting unstuck",
    Topic.MATH: "the maths you need",
    Topic.TOOLS: "frameworks, libraries and hardware",
    Topic.PROJECTS: "side projects, portfolios and open source",
    Topic.HIRING: "getting hired: interviews, CVs, first jobs",
}


SECONDS_PLACEHOLDER = "{seconds}"


def seconds_of(stamp: str) -> int:
    """'M:SS' or 'H:MM:SS' as a number of seconds."""
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return total


class SourceKind(enum.Enum):
    """What kind of document a source is; a podcast's lessons carry timestamps."""

    INTERVIEW = "interview"
    ESSAY = "essay"
    PODCAST = "podcast"


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A practitioner and the document their lessons come from.

    `url` is where the original is published. `timed_url` is a recording that takes a time
    offset, with SECONDS_PLACEHOLDER where the offset goes: a lesson with a timestamp then links
    to the moment its quote begins.
    """

    id: str
    speaker: str
    role: str
    title: str
    publisher: str
    kind: SourceKind
    url: str | None = None
    timed_url: str | None = None

    def to_dict(self) -> dict[str, str]:
        """The source object of the JSON contract (README, "The command line")."""
        data = {
            "id": self.id,
            "speaker": self.speaker,
            "role": self.role,
            "title": self.title,
            "publisher": self.publisher,
        }
        if self.url is not None:
            data["url"] = self.url
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class OutOfScope:
    """A subject no lesson covers (content/scope.yaml), described in everyday words.

    Search compares a question with `about` as with a lesson's texts; a question closer to these
    than to every lesson gets "I don't have a lesson on that". Never shown to users.
    """

    subject: str
    about: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Lesson:
    """One piece of advice: our paraphrase, the speaker's own words, and where they said it.

    `asks` are questions in everyday words that the lesson answers; search reads them, and no
    reply or JSON output ever shows them.
    """

    id: str
    title: str
    text: str
    quote: str
    topics: tuple[Topic, ...]
    source: Source
    timestamp: str | None = None
    asks: tuple[str, ...] = ()

    def __hash__(self) -> int:
        # Ids are unique in a library, and equal lessons have equal ids. Replies and the caches
        # keyed on them hash lessons on every answer: hashing every field (topics are enums,
        # hashed in Python) cost more than ranking a remembered question.
        return hash(self.id)

    @property
    def url(self) -> str | None:
        """The recording at the moment the quote begins, when the source has one."""
        if self.timestamp is None or self.source.timed_url is None:
            return None
        return self.source.timed_url.replace(SECONDS_PLACEHOLDER, str(seconds_of(self.timestamp)))

    @property
    def original_url(self) -> str | None:
        """Where to read (or hear) the original: the quote's moment, else the publication."""
        return self.url or self.source.url

    def to_dict(self) -> dict[str, Any]:
        """The lesson object of the JSON contract (README, "The command line"); `asks` stay out of it."""
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "quote": self.quote,
            "topics": [t.value for t in self.topics],
            "source": self.source.to_dict(),
        }
        if self.timestamp is not None:
            data["timestamp"] = self.timestamp
        if self.url is not None:
            data["url"] = self.url
        return data
