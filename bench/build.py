"""The whole site build at scale, ours beside plain Pelican 4.12, in one run.

    .venv/bin/python bench/build.py                       # 1,000 and 10,000 articles
    .venv/bin/python bench/build.py --sizes 1000,10000,50000 --repeats 1
    .venv/bin/python bench/build.py --sizes 1000 --keep /tmp/site --verify

Each size generates a fictional site (`generate_site`, deterministic for `--seed`):
articles of about 640 words in the importer's exact file format (Title, Date, Slug, Uid,
Category, Tags with 3-6 hand tags, Source, Source_url, Byline, Agency, Dateline, Lang,
Image, Retrieved, Summary, Fingerprint), dated over three years from 20 outlets in six
categories, follow-up stories sharing an event's names; one published digest issue per
500 articles; the demo's tag vocabulary and an empty sources.yml.

Anchor: plain Pelican on the same content folder, its default theme, the site, tag and
category Atom feeds, no plugins. Cold: an empty output folder and no cache. Warm: its
content cache on (CACHE_CONTENT, LOAD_CONTENT_CACHE), a build to fill it, then the build
timed.

Ours: `tasks.py build --publish` (publishconf.py: every plugin, every feed, digests,
related stories, automatic tags, then the Pagefind index as the last step). Cold: no
cache. Add-one: with BROADSHEET_CONTENT_CACHE set (Pelican's content cache, as the
publish workflow keeps it), a build to fill the cache, then one new article (the newest)
is written and the build timed. `--verify` then builds the same content cold and counts
the files that differ from the add-one build's output. Site and feeds: the issue's add-one
target is for the site and its feeds, with the search index reported apart; so the new
article is taken out again, the site rebuilt (not timed: the caches are then those from
before the article), the same article written back and the build timed with the search
index's step skipped (the driver's `--no-index`; the same settings, so the same pages).

Every build runs in a child process of its own, with PYTHONHASHSEED=0 (plain Pelican
reads the content files into a set, so its same-date articles are listed in an order
that follows string hashes; ours breaks those ties by path, ARTICLE_ORDER_BY in
pelicanconf). Wall and CPU time (user + system, from `os.wait4`, Pagefind included);
memory sampled from /proc every 0.05 s: each process's own peak (VmHWM) and the largest
sum of the tree's resident sets (Pagefind runs while the Pelican process still holds its
memory). Ours runs through a small driver around `tasks.py build` that times the
Pagefind step apart (it starts once the article pages are written and runs beside the
rest of the build). Times are medians of `--repeats`; memory is the largest.

The body text comes from a vocabulary of about 400 words and a few hundred names, so the
search index holds far fewer distinct words than real news would give it.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from slugify import slugify  # noqa: E402

from broadsheet.markdown import render_article  # noqa: E402

SEED = 20261201
ARTICLES_PER_DIGEST = 500
ARTICLES_PER_EVENT = 6  # an event's follow-up coverage, on average
FIRST_DAY = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 3 * 365

# --- the generated site -------------------------------------------------------------------


def word_list(text: str) -> list[str]:
    """The words of a whitespace-separated list (long lists read better as text)."""
    return text.split()


# News prose's common words, most frequent first (drawn with Zipfian weights).
COMMON_WORDS = """
the of to and a in that for on said is was with by as at from has it be have are will
were its but not they this after about more an their which who been than had also would
over year new up one two could other people last first into we when out what there some
three all said time can years because government before million week per cent under
between while year's since most back only still many council plan month officials police
say public local new state part next report minister now like four further around against
both them during told may area work service services city water group town money home
days day support five lines until market should those where end long help cost costs take
district board residents members local held workers without made make need another while
funding school schools price prices road roads rail bridge harbour ferry budget vote votes
meeting season weather storm flood river coast island village valley farmers farm harvest
crop crops fish fishing catch boats port trade exports imports freight shipping container
containers hospital clinic doctors nurses patients health care housing homes rent tenants
landlords building project plans planning permission proposal proposals scheme schemes
court case judge lawyers hearing appeal ruling decision decisions law laws rules election
candidates party parties campaign voters turnout result results poll polls survey data
figures rise fall rose fell record low high higher lower average price level levels
figure number numbers share shares company companies firm firms industry business
businesses jobs workers staff union unions strike pay wages talks deal agreement terms
energy power electricity grid solar wind oil gas fuel emissions climate drought rain
rainfall heat summer winter spring autumn morning evening night weekend friday monday
festival museum library theatre music team match league cup final players coach club
season title win won lost draw goal goals fans stadium tickets tourists visitors hotel
restaurant shops traders stall stalls tram bus buses train trains station line lines
passengers timetable sailings crossings route routes traffic transport parking car cars
police officers arrest charges inquiry investigation report reports evidence witnesses
families children parents students teachers university research researchers scientists
study studies water supply waste bins collection collections recycling streets park
parks land field fields forest trees wildlife species conservation protection plan
"""
COMMON_WORDS = list(dict.fromkeys(word_list(COMMON_WORDS)))

FIRST_NAMES = word_list("""
Aisha Amara Anders Ana Bilal Carmen Chen Daniel Dmitri Elena Emeka Farah Fatima Gareth
Grace Hana Henrik Ilse Imran Ines Jamal Joao Kamal Kiprono Lena Lucia Mariam Marta Mehmet
Nadia Nell Nikolai Omar Oskar Priya Rafael Rosli Ruth Samir Sanna Sofia Tariq Tom Wanjiru
Yusuf Zainab Achieng Halima Haslinda
""")
SURNAMES = word_list("""
Ashworth Varga Lind Monteiro Lal Onchiri Ashdown Teixeira Rochat Hofstetter Aalto Said
Kiptoo Rahman Mwangi Hamdan Yusof Vatucawa Mavaega Hebden Sutcliffe Chebet Okafor Novak
Haddad Brennan Castillo Dlamini Eriksen Fonseca Gallagher Ishikawa Jovanovic Kowalski
Larsen Mbeki Nakamura Oduya Petrov Quinlan Rasmussen Sandoval Takahashi Ulloa Vogel
Whitlock Xavier Yilmaz Zeller Abernethy Blackwood Corrigan
""")
# Places of the demo vocabulary (vocabulary tags) and invented ones (automatic tags).
PLACES = word_list("""
Kenya Brazil Malaysia Pakistan Iran Fiji Switzerland Ethiopia China Afghanistan Europe Asia
Kessel Tarrow Northgate Skerry Brambleside Fenwick Ashby Scarside Dunmore Kilbride Halvard
Morrow Penhallow Quarrenby Ravensholt Saltmarsh Thornbury Umberleigh Westerholm Yarrowby
Calder Easterby Glenarden Hollowmere Inchcape Larkspur Millbrook Oldcastle Pellingham
Redwater Stonehaven Tidewell Vantry Whitby Ardmore Ballin Corran Drumlish Elderby
""")
ORGANISATIONS = [
    f"{place} {kind}"
    for place, kind in zip(
        PLACES[12:],
        [
            "County Council",
            "Harbour Board",
            "Ferry Company",
            "Water Authority",
            "Farmers Union",
            "Chamber of Commerce",
            "Health Trust",
            "Rail Partnership",
            "Fisheries Cooperative",
            "Tenants Association",
        ]
        * 5,
        strict=False,
    )
]
TOPIC_TAGS = word_list("""
Transport Ferries Fisheries Farming Tea Coffee Housing Health Schools Elections Courts
Weather Floods Drought Energy Climate Trade Shipping Tourism Sport Football Cricket Culture
Festivals Museums Libraries Policing Budget Taxes Jobs Strikes Wages Water Waste Recycling
Roads Rail Trams Buses Bridges Ports Markets Prices Wildlife Forests Conservation Science
Research Universities Technology Broadband Planning Heritage Parks Rivers Coasts Islands
""")
CATEGORIES = ["News", "News", "News", "Local", "Local", "World", "Business", "Sport", "Science"]
AGENCIES = ["AFP", "AP", "Reuters", "Bernama"]
OUTLETS = [
    ("The Harbour Courier", "harbourcourier.example"),
    ("Straits Ledger", "straitsledger.example"),
    ("East Meridian Post", "eastmeridian.example"),
    ("Northgate Observer", "northgateobserver.example"),
    ("Southern Cross Herald", "southerncross.example"),
    ("Lakeside Courier", "lakesidecourier.example"),
    ("Valley Beacon", "valleybeacon.example"),
    ("The Skerry Record", "skerryrecord.example"),
    ("The Coast Mirror", "coastmirror.example"),
    ("Tarrow Gazette", "tarrowgazette.example"),
    ("Northgate Voice", "northgatevoice.example"),
    ("Daily Express", "dailyexpress.example"),
    ("Highland Dispatch", "highlanddispatch.example"),
    ("The Island Times", "islandtimes.example"),
    ("Rift Valley News", "riftvalleynews.example"),
    ("Pacific Tribune", "pacifictribune.example"),
    ("The Morning Ledger", "morningledger.example"),
    ("Riverside Chronicle", "riversidechronicle.example"),
    ("The Weekly Anchor", "weeklyanchor.example"),
    ("Metro Sentinel", "metrosentinel.example"),
]
SAYS = ["said", "told reporters", "said on Friday", "said in a statement", "added"]


@dataclass
class Event:
    """A news event: the names and topic that its follow-up stories share."""

    place: str
    people: list[str]
    organisation: str
    topics: list[str]
    words: list[str]
    day: int  # days after FIRST_DAY


@dataclass
class GeneratedArticle:
    path: str  # under the content folder
    slug: str
    date: datetime
    text: str


@dataclass
class SiteWriter:
    """Writes articles and digest issues for one seed; `article(n)` is the same every time."""

    seed: int = SEED
    slugs: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.cumulative = []
        total = 0.0
        for rank in range(len(COMMON_WORDS)):
            total += 1 / (rank + 1)
            self.cumulative.append(total)
        self.events = [self._event(rng) for _ in range(20_000)]

    def _event(self, rng: random.Random) -> Event:
        people = [f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}" for _ in range(3)]
        return Event(
            place=rng.choice(PLACES),
            people=people,
            organisation=rng.choice(ORGANISATIONS),
            topics=rng.sample(TOPIC_TAGS, 3),
            words=rng.sample(COMMON_WORDS[60:], 8),
            day=rng.randrange(DAYS),
        )

    def _words(self, rng: random.Random, count: int, event: Event) -> list[str]:
        words = rng.choices(COMMON_WORDS, cum_weights=self.cumulative, k=count)
        for i in range(0, count, 7):
            words[i] = rng.choice(event.words)  # the event's own vocabulary
        return words

    def _sentence(self, rng: random.Random, event: Event) -> str:
        words = self._words(rng, rng.randint(12, 26), event)
        roll = rng.random()
        if roll < 0.25:
            words.insert(rng.randrange(1, len(words)), event.place)
        elif roll < 0.4:
            words.insert(rng.randrange(1, len(words)), f"the {event.organisation}")
        elif roll < 0.5:
            words.insert(rng.randrange(1, len(words)), rng.choice(PLACES))
        text = " ".join(words)
        if rng.random() < 0.2:
            person = rng.choice(event.people)
            return f"“{text[0].upper()}{text[1:]},” {rng.choice(SAYS)} {person}."
        return f"{text[0].upper()}{text[1:]}."

    def _paragraph(self, rng: random.Random, event: Event, sentences: int) -> str:
        return " ".join(self._sentence(rng, event) for _ in range(sentences))

    def _title(self, rng: random.Random, event: Event) -> str:
        words = self._words(rng, rng.randint(5, 9), event)
        words.insert(rng.randrange(0, 3), event.place)
        title = " ".join(words)
        return title[0].upper() + title[1:]

    def _slug(self, title: str) -> str:
        base = slugify(title, max_length=80, word_boundary=True) or "story"
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def article(self, number: int, count: int, day: int | None = None) -> GeneratedArticle:
        """Article `number` of a site of `count` (its event, and so its names, depend on
        both); `day` overrides its date (days after FIRST_DAY)."""
        rng = random.Random(f"{self.seed}:{number}")
        event = self.events[rng.randrange(max(1, count // ARTICLES_PER_EVENT))]
        day = day if day is not None else min(DAYS - 1, event.day + int(rng.expovariate(0.2)))
        when = FIRST_DAY + timedelta(days=day, minutes=rng.randrange(6 * 60, 22 * 60))
        outlet, domain = rng.choice(OUTLETS)
        title = self._title(rng, event)
        slug = self._slug(title)
        dateline = event.place.upper() if rng.random() < 0.3 else ""
        agency = rng.choice(AGENCIES) if dateline and rng.random() < 0.5 else ""
        person = rng.choice(event.people)
        said = " ".join(self._words(rng, rng.randint(10, 20), event))
        lead = f"{person} of the {event.organisation} said {said}. "
        lead += self._paragraph(rng, event, 1)
        if dateline:
            lead = f"{dateline}: {lead}"
        blocks = [lead]
        words = len(lead.split())
        target = rng.randint(560, 720)
        while words < target:
            if len(blocks) in (4, 9) and rng.random() < 0.7:
                heading = " ".join(self._words(rng, rng.randint(2, 4), event))
                blocks.append(f"## {heading[0].upper()}{heading[1:]}")
            paragraph = self._paragraph(rng, event, rng.randint(2, 4))
            blocks.append(paragraph)
            words += len(paragraph.split())
        tags = [event.place, *event.topics[: rng.randint(1, 3)]]
        extra = [event.organisation, rng.choice(TOPIC_TAGS), rng.choice(PLACES)]
        tags += extra[: rng.randint(0, 3)]
        tags = list(dict.fromkeys(tags))
        while len(tags) < 3:
            tags = list(dict.fromkeys([*tags, rng.choice(TOPIC_TAGS)]))
        uid_hash = hashlib.sha256(f"{self.seed}:{number}".encode()).hexdigest()[:8]
        image = rng.random() < 0.3
        meta = {
            "Title": title,
            "Date": when.strftime("%Y-%m-%dT%H:%M+00:00")
            if rng.random() < 0.6
            else when.strftime("%Y-%m-%d"),
            "Slug": slug,
            "Uid": f"tag:broadsheet,{when:%Y-%m-%d}:{uid_hash}",
            "Category": rng.choice(CATEGORIES),
            "Tags": ", ".join(tags[:6]),
            "Source": outlet,
            "Source_url": f"https://{domain}/{when:%Y/%m}/{slug}",
            "Byline": rng.choice(event.people) if rng.random() < 0.6 else "",
            "Agency": agency,
            "Dateline": dateline,
            "Lang": "en",
            "Image": f"https://{domain}/media/{when:%Y/%m}/{slug[:40]}.jpg" if image else "",
            "Image_caption": f"A view of {event.place}." if image else "",
            "Image_credit": outlet if image else "",
            "Retrieved": (when + timedelta(days=rng.randint(0, 3))).strftime("%Y-%m-%d"),
            "Summary": lead,
        }
        return GeneratedArticle(
            path=f"articles/{when:%Y}/{when:%m}/{slug}.md",
            slug=slug,
            date=when,
            text=render_article(meta, "\n\n".join(blocks)),
        )

    def digest(self, number: int, issue_day: int, stories: list[GeneratedArticle]) -> str:
        """A published digest issue listing `stories` in two or three sections."""
        rng = random.Random(f"{self.seed}:digest:{number}")
        when = FIRST_DAY + timedelta(days=issue_day)
        lines = [
            f"Title: Issue {number + 1}: the week in review",
            f"Date: {when:%Y-%m-%d}",
            f"Summary: {self._paragraph(rng, self.events[0], 1)}",
            "Status: published",
            "",
            self._paragraph(rng, self.events[0], 3),
        ]
        sections = rng.randint(2, 3)
        for section in range(sections):
            lines += ["", f"## {rng.choice(TOPIC_TAGS)} {section + 1}", ""]
            for story in stories[section::sections]:
                lines += [f"- {story.slug}", f"  {self._paragraph(rng, self.events[0], 1)}"]
        return "\n".join(lines) + "\n"


def write_file(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate_site(content: Path, count: int, seed: int = SEED) -> SiteWriter:
    """Write a site of `count` articles, its digest issues, vocabulary and About page."""
    writer = SiteWriter(seed)
    articles = [writer.article(number, count) for number in range(count)]
    for article in articles:
        write_file(content, article.path, article.text)
    by_date = sorted(articles, key=lambda a: (a.date, a.slug))
    issues = max(2, count // ARTICLES_PER_DIGEST)
    for number in range(issues):
        end = (number + 1) * len(by_date) // issues - 1
        issue_day = (by_date[end].date - FIRST_DAY).days + 1
        stories = by_date[max(0, end - 7) : end + 1]
        when = FIRST_DAY + timedelta(days=issue_day)
        write_file(
            content,
            f"digests/{when:%Y-%m-%d}-issue-{number + 1}.md",
            writer.digest(number, issue_day, stories),
        )
    write_file(content, "pages/about.md", "Title: About\n\nA generated benchmark site.\n")
    shutil.copyfile(REPO / "content" / "tags.yml", content / "tags.yml")
    write_file(content, "sources.yml", "outlets: {}\n")
    return writer


def add_article(content: Path, writer: SiteWriter, count: int) -> Path:
    """Write one new article, the site's newest, as a curator's next import would."""
    article = writer.article(count, count, day=DAYS)
    write_file(content, article.path, article.text)
    return content / article.path


# --- builds -------------------------------------------------------------------------------

PLAIN_SETTINGS = """\
SITENAME = "Plain Pelican"
SITEURL = "https://example.org"
FEED_DOMAIN = SITEURL
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PATH = {content!r}
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/category/{{slug}}.atom.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
PLUGINS = []
CACHE_CONTENT = {cache}
LOAD_CONTENT_CACHE = {cache}
CACHE_PATH = {cache_path!r}
"""


@dataclass
class Build:
    seconds: float  # wall time of the whole build, search index included
    cpu_seconds: float  # user + system of the whole build, search index included
    peak_mb: float  # the build's process tree: the largest sum of its processes' RSS
    pelican_peak_mb: float  # the Pelican process's own peak (VmHWM)
    search_seconds: float = 0.0
    search_cpu_seconds: float = 0.0
    search_peak_mb: float = 0.0  # Pagefind's peak (VmHWM)


class PeakSampler(threading.Thread):
    """Samples a process tree's memory from /proc every `interval` seconds until stopped:
    each process's VmHWM (its own peak: a process's memory starts afresh at exec, where
    wait4's ru_maxrss carries the parent's resident set across the spawn) and the
    largest sum of the tree's VmRSS. A child still bearing its parent's name has not
    exec'd yet and shares its parent's pages: it is not counted."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.root_name = ""
        self.hwm_kb: dict[tuple[int, str], int] = {}
        self.tree_kb = 0
        self.done = threading.Event()

    def tree(self) -> list[int]:
        pids, index = [self.root], 0
        while index < len(pids):
            pid, index = pids[index], index + 1
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as children:
                        pids += [int(child) for child in children.read().split()]
            except OSError:
                continue
        return pids

    def sample(self) -> None:
        total = 0
        for pid in self.tree():
            try:
                with open(f"/proc/{pid}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except OSError:
                continue
            name = fields.get("Name", "").strip()
            if pid == self.root:
                self.root_name = name
            elif name == self.root_name:
                continue
            hwm = int(fields.get("VmHWM", "0 kB").split()[0])
            total += int(fields.get("VmRSS", "0 kB").split()[0])
            self.hwm_kb[pid, name] = max(hwm, self.hwm_kb.get((pid, name), 0))
        self.tree_kb = max(self.tree_kb, total)

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def peak_mb(self) -> float:
        """The largest sum of the tree's resident sets."""
        return self.tree_kb / 1024

    def root_peak_mb(self) -> float:
        """The peak of the process started (VmHWM)."""
        return self.hwm_kb.get((self.root, self.root_name), 0) / 1024

    def children_peak_mb(self) -> float:
        """The largest peak (VmHWM) among the processes it started."""
        children = [kb for (pid, _), kb in self.hwm_kb.items() if pid != self.root]
        return max(children, default=0) / 1024


@dataclass
class Child:
    seconds: float  # wall
    cpu_seconds: float  # user + system, the process and every child it waited for
    memory: PeakSampler


def run_child(command: list[str], log: Path, env: dict | None = None) -> Child:
    """Run a build command: its wall and CPU seconds and its tree's memory samples."""
    env = dict(os.environ if env is None else env)
    # Pelican reads content files into a set, so same-date articles come out in an order
    # that follows string hashes; one seed for every build keeps their outputs comparable.
    env["PYTHONHASHSEED"] = "0"
    with open(log, "w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=out, env=env)
        sampler = PeakSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
    if process.returncode:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n" + "\n".join(tail))
    return Child(seconds, usage.ru_utime + usage.ru_stime, sampler)


def plain_build(content: Path, output: Path, work: Path, cache: Path | None, name: str) -> Build:
    """Plain Pelican, default theme and feeds, no plugins; with a content cache if given."""
    conf = work / f"plainconf-{name}.py"
    conf.write_text(
        PLAIN_SETTINGS.format(
            content=str(content), cache=cache is not None, cache_path=str(cache or work / "none")
        )
    )
    command = [sys.executable, "-m", "pelican", "-s", str(conf), "-o", str(output), "-q"]
    child = run_child(command, work / f"{name}.log")
    return Build(
        child.seconds, child.cpu_seconds, child.memory.peak_mb(), child.memory.root_peak_mb()
    )


def ours_build(
    content: Path, output: Path, work: Path, cache: Path | None, name: str, index: bool = True
) -> Build:
    """`tasks.py build --publish`, through the driver that times the search step (or,
    with `index` False, skips it)."""
    env = {key: value for key, value in os.environ.items() if key != "BROADSHEET_CONTENT_CACHE"}
    if cache is not None:
        env["BROADSHEET_CONTENT_CACHE"] = str(cache)
    report = work / f"{name}.json"
    command = [sys.executable, __file__, "--driver", str(content), str(output), str(report)]
    if not index:
        command.append("--no-index")
    child = run_child(command, work / f"{name}.log", env)
    driver = json.loads(report.read_text())
    return Build(
        child.seconds,
        child.cpu_seconds,
        child.memory.peak_mb(),
        driver["pelican_peak_mb"],
        driver["search_seconds"],
        driver["search_cpu_seconds"],
        child.memory.children_peak_mb(),
    )


def drive_ours(content: str, output: str, report: str, *flags: str) -> None:
    """In the child: run `tasks.py build --publish`, timing the search step apart; with
    `--no-index`, without the search step (the site and its feeds alone)."""
    import tasks

    times = {"search_seconds": 0.0, "search_cpu_seconds": 0.0}
    if "--no-index" in flags:
        tasks._SearchStep.start = lambda step, *_args, **_signal: None  # never started
    finish_index = tasks.finish_index

    def timed_finish_index(running):
        # The search step starts once the article pages are written and runs beside the
        # rest of the build: its seconds are the whole step's, start to its last file
        # (every year's Pagefind run, the reading of pages and the cache), and its CPU
        # seconds its own thread's and its Pagefind runs'.
        result = finish_index(running)
        times["search_seconds"] = result.seconds
        times["search_cpu_seconds"] = result.cpu_seconds
        return result

    tasks.finish_index = timed_finish_index
    args = ["build", "--publish", "--content-dir", content, "--output", output]
    tasks.cli(args, standalone_mode=False)
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    times["pelican_peak_mb"] = int(hwm.split()[1]) / 1024
    Path(report).write_text(json.dumps(times))


def differing_files(left: Path, right: Path, skip: str = "pagefind") -> list[str]:
    """Files present in one tree only, or with other bytes (`skip` folder left out)."""
    names = set()
    for root in (left, right):
        names |= {
            str(path.relative_to(root))
            for path in root.rglob("*")
            if path.is_file() and path.relative_to(root).parts[0] != skip
        }
    return sorted(
        name
        for name in names
        if not (left / name).is_file()
        or not (right / name).is_file()
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


@dataclass
class SizeResult:
    size: int
    generate_seconds: float
    plain_cold: list[Build] = field(default_factory=list)
    plain_fill: list[Build] = field(default_factory=list)
    plain_warm: list[Build] = field(default_factory=list)
    ours_cold: list[Build] = field(default_factory=list)
    ours_fill: list[Build] = field(default_factory=list)
    ours_add: list[Build] = field(default_factory=list)
    ours_add_site: list[Build] = field(default_factory=list)  # the search step skipped
    differing: list[str] | None = None
    differing_site: list[str] | None = None  # the site-and-feeds add-one's


def measure_size(size: int, repeats: int, work: Path, seed: int, verify: bool) -> SizeResult:
    """Generate the site of `size` articles and run every build `repeats` times."""
    content = work / "content"
    say(f"{size:,} articles: generating into {content}")
    started = time.perf_counter()
    writer = generate_site(content, size, seed)
    result = SizeResult(size, time.perf_counter() - started)
    for repeat in range(repeats):
        tag = f"{size}-{repeat}"
        for folder in ("plain", "plain-cache", "ours", "ours-cache", "ours-verify"):
            shutil.rmtree(work / folder, ignore_errors=True)
        steps = [
            ("plain cold", result.plain_cold, plain_build, "plain", None),
            ("plain fill cache", result.plain_fill, plain_build, "plain", "plain-cache"),
            ("plain warm", result.plain_warm, plain_build, "plain", "plain-cache"),
            ("ours cold", result.ours_cold, ours_build, "ours", None),
            ("ours fill cache", result.ours_fill, ours_build, "ours", "ours-cache"),
        ]
        for label, builds, build, output, cache in steps:
            if label == "plain cold":
                shutil.rmtree(work / output, ignore_errors=True)
            cache_dir = work / cache if cache else None
            name = f"{label.replace(' ', '-')}-{tag}"
            builds.append(build(content, work / output, work, cache_dir, name))
            say(f"  {label}: {builds[-1].seconds:.1f} s, {builds[-1].peak_mb:,.0f} MB")
        added = add_article(content, writer, size)
        result.ours_add.append(
            ours_build(content, work / "ours", work, work / "ours-cache", f"ours-add-{tag}")
        )
        say(f"  ours add one: {result.ours_add[-1].seconds:.1f} s")
        if verify and repeat == 0:
            ours_build(content, work / "ours-verify", work, None, f"ours-verify-{tag}")
            result.differing = differing_files(work / "ours", work / "ours-verify")
            say(f"  add-one output vs cold build: {len(result.differing)} files differ")
        # The same article again, from the caches of the site without it, the search
        # index's step skipped: the site and its feeds alone.
        text = added.read_bytes()
        added.unlink()
        ours_build(content, work / "ours", work, work / "ours-cache", f"ours-back-{tag}")
        added.write_bytes(text)
        result.ours_add_site.append(
            ours_build(
                content, work / "ours", work, work / "ours-cache", f"ours-site-{tag}", index=False
            )
        )
        say(f"  ours add one, site and feeds: {result.ours_add_site[-1].seconds:.1f} s")
        if verify and repeat == 0:
            result.differing_site = differing_files(work / "ours", work / "ours-verify")
            say(f"  its output vs cold build: {len(result.differing_site)} files differ")
        added.unlink()
        writer.slugs.discard(added.stem)
    return result


# --- report -------------------------------------------------------------------------------


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median(builds: list[Build], attribute: str = "seconds") -> float:
    return statistics.median(getattr(build, attribute) for build in builds)


def peak(builds: list[Build], attribute: str = "peak_mb") -> float:
    return max(getattr(build, attribute) for build in builds)


def print_table(results: list[SizeResult], repeats: int) -> None:
    print(
        f"Wall seconds, median of {repeats}. Peak memory, MB, largest run: the build's whole "
        "process tree (ours: the Pelican process's own peak in brackets; Pagefind runs while "
        "it is alive), and Pagefind's own peak."
    )
    print()
    print(
        "| articles | plain cold s | plain warm s | ours cold s | ours add-one s "
        "| ours add-one, site and feeds s | ours cold / plain cold | Pagefind s cold / add-one "
        "| peak MB plain cold | plain warm | ours cold | ours add-one | Pagefind |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = median(r.ours_cold) / median(r.plain_cold)
        search = max(peak(r.ours_cold, "search_peak_mb"), peak(r.ours_add, "search_peak_mb"))
        print(
            f"| {r.size:,} | {median(r.plain_cold):.1f} | {median(r.plain_warm):.1f} "
            f"| {median(r.ours_cold):.1f} | {median(r.ours_add):.1f} "
            f"| {median(r.ours_add_site):.1f} | {ratio:.2f} "
            f"| {median(r.ours_cold, 'search_seconds'):.1f} "
            f"/ {median(r.ours_add, 'search_seconds'):.1f} "
            f"| {peak(r.plain_cold):,.0f} | {peak(r.plain_warm):,.0f} "
            f"| {peak(r.ours_cold):,.0f} ({peak(r.ours_cold, 'pelican_peak_mb'):,.0f}) "
            f"| {peak(r.ours_add):,.0f} ({peak(r.ours_add, 'pelican_peak_mb'):,.0f}) "
            f"| {search:,.0f} |"
        )
    print()
    for r in results:
        line = (
            f"{r.size:,}: generated in {r.generate_seconds:.1f} s; first build with the cache "
            f"on (fills it): plain {median(r.plain_fill):.1f} s, ours {median(r.ours_fill):.1f} s"
        )
        if r.differing is not None:
            shown = ", ".join(r.differing[:5]) + (" ..." if len(r.differing) > 5 else "")
            line += f"; add-one vs cold build: {len(r.differing)} files differ ({shown})"
        if r.differing_site is not None:
            line += f"; site-and-feeds add-one vs cold build: {len(r.differing_site)} differ"
        print(line)
        cpu = "cpu_seconds"
        print(
            f"{r.size:,}: CPU seconds (user + system, median): plain cold "
            f"{median(r.plain_cold, cpu):.1f}, plain warm {median(r.plain_warm, cpu):.1f}, "
            f"ours cold {median(r.ours_cold, cpu):.1f} (Pagefind "
            f"{median(r.ours_cold, 'search_cpu_seconds'):.1f}), ours add-one "
            f"{median(r.ours_add, cpu):.1f} "
            f"(Pagefind {median(r.ours_add, 'search_cpu_seconds'):.1f}), ours add-one site "
            f"and feeds {median(r.ours_add_site, cpu):.1f}; "
            f"ours cold / plain cold {median(r.ours_cold, cpu) / median(r.plain_cold, cpu):.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--driver"]:
        drive_ours(*argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each build (median)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep sites and outputs here")
    parser.add_argument(
        "--verify", action="store_true", help="compare add-one output with a cold build's"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="broadsheet-build-bench-") as temp:
        base = args.keep or Path(temp)
        for size in sizes:
            work = base / str(size)
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            results.append(measure_size(size, args.repeats, work, args.seed, args.verify))
    print_table(results, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
