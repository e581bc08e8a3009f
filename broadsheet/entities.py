"""Automatic tags from the text: the proper names an article is about, spelled one way.

`EntityTagger` is fitted once on the whole corpus, then tags each article. Its stages:

1. Plain text: the title and the body's blocks (Markdown or HTML syntax removed); the
   lead is the opening of the body, up to `LEAD_WORDS` words at sentence granularity.
2. Name runs: runs of capitalised words (`broadsheet.text.name_runs`), cut at
   possessives, titles ("President", "Mr"), common words and modifiers ("Denver-based").
3. Case evidence: a capitalised word at the start of a sentence, or in a Title Case or
   ALL CAPS headline, is a name only if the article (else the corpus) writes it capitalised
   in mid-sentence more often than in lower case; one in mid-sentence is rejected when the
   article writes it in lower case more often.
4. Canonical names: countries, their other names and demonyms map to the country
   ("Pakistani" -> "Pakistan", "U.S." -> "United States"); a shorter form merges into the
   longer name it ends ("Amir-Abdollahian" -> "Hossein Amir-Abdollahian"), within the
   article first, else when the corpus shows one dominant long form ("Obama" ->
   "Barack Obama"); "U.N." and "UN" are one name. Each tag is printed in the form the
   corpus prints most often, counting every mention of the merged variants: a
   country's usual name ("Swaziland", "US"; a demonym never), acronyms without dots;
   but a person's tag is always their full name ("Ashton Kutcher", not "Kutcher"). A
   variant that is a tag of its own or stands for different people in different articles
   ("Collins") is not used. Two names joined by
   "and" in a public body's name are one ("Food and Drug Administration").
5. Scores: position-weighted frequency (title and lead count more, an early first mention
   a little more) times rarity across the corpus (idf).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any, Protocol

from broadsheet.buildcache import digest_of
from broadsheet.perf import collection_paused
from broadsheet.text import (
    NAME_PARTICLES,
    markdown_blocks,
    name_run_spans,
)

KINDS = ("place", "person", "organisation", "name")


def _words(text: str) -> list[str]:
    """The words of a whitespace-separated word list (long lists read better as text)."""
    return text.split()


# What a name candidate's first capital says: PLAIN, a name (mid-sentence); LENIENT, maybe
# not (a sentence's first word, but followed by more capitalised words or a possessive):
# a name unless the evidence says it is a common word; STRICT, nothing (a sentence's
# first word alone): a name only if the evidence says so.
PLAIN, LENIENT, STRICT = 0, 1, 2

# Position weights of one mention, and how much of the body is its lead.
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
HEADING_WEIGHT = 1.5
LEAD_WORDS = 60
# The first mention's position adds up to this share to a name's score (first word: all).
FIRST_MENTION_BONUS = 0.25
# A Title Case or ALL CAPS line: at least this share of its longer words is capitalised.
TITLE_CASE_SHARE = 0.7
# The corpus's lower-case vocabulary is counted on its first documents, up to this many words.
LOWER_SAMPLE_WORDS = 300_000
# A short form printed alone merges into the long form other articles merge it into when
# those articles number at least this share of the ones printing the short form alone.
MERGE_MIN_SHARE = 0.2

# --- word lists ----------------------------------------------------------------------

# Capitalised at the start of a sentence, never names on their own.
_FUNCTION_WORDS = _words(
    """
a about above across after afterwards again against all almost along already also although
always am among an and another any anybody anyone anything anyway anywhere are around as at
back be because been before behind being below beside besides between beyond both but by can
cannot could despite did do does doing done down during each either else elsewhere enough
even ever every everybody everyone everything everywhere except few first for from further
furthermore had has have having he hence her here hers herself him himself his how however i
if in including indeed inside instead into is it its itself just last later least less let
like likely many may maybe me meanwhile might mine more moreover most mostly much must my
myself namely neither never nevertheless next no nobody none nor not nothing now nowhere of
off often on once one only onto or other others otherwise our ours ourselves out outside over
overall own per perhaps please rather same several shall she should since so some somebody
someone something sometimes somewhere still such than that the their theirs them themselves
then there thereafter therefore these they this those though through throughout thus to
today together tomorrow too toward towards under unless unlike until up upon us very via was
we well were what whatever when whenever where whereas wherever whether which while who
whoever whole whom whose why will with within without would yes yesterday yet you your yours
yourself yourselves
according also although meanwhile nonetheless notably instead finally first second third
earlier later recently currently previously eventually ultimately additionally similarly
likewise consequently accordingly regardless hopefully unfortunately fortunately clearly
obviously apparently certainly surely actually basically generally usually typically
especially particularly initially originally officially reportedly allegedly
oh ok okay hey hi hello thanks thank sorry dear
"""
)
_CALENDAR = _words(
    """
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
sat sun january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec christmas easter
"""
)
_CALENDAR_WORDS = frozenset(_CALENDAR)
# Titles and honorifics before a person's name: cut off, and the name marked a person's.
PERSON_TITLES = frozenset(
    _words(
        """
mr mrs ms mx miss dr sir dame lady madam madame mme monsieur prof professor president
premier chancellor secretary senator sen congressman congresswoman rep representative gov
governor mayor ambassador envoy judge magistrate prosecutor sheriff commissioner chairman
chairwoman chairperson ceo spokesman spokeswoman spokesperson king queen prince princess
emperor empress duke duchess pope cardinal archbishop bishop reverend rev pastor imam sheikh
shaikh ayatollah mullah maulana mufti haji rabbi gen lt col capt sgt cpl maj adm cmdr
commander colonel lieutenant captain sergeant corporal admiral marshal brigadier detective
inspector superintendent constable coach minister economist analyst scientist researcher
editor designer founder director producer officer sens reps justice cllr councillor
councilor alderman alderwoman
"""
    )
)
# Words that make a title with the title after them: "Prime Minister", "Foreign Secretary".
_TITLE_MODIFIERS = frozenset(
    _words(
        """
prime vice deputy foreign finance defence defense interior home health education trade
economy former acting interim late caretaker incoming outgoing chief executive general
attorney assistant associate senior junior first lord justice state
"""
    )
)
# Title words that name an office with "of": "Secretary of State", "Minister of Finance".
_PORTFOLIO_WORDS = frozenset(
    _words(
        """
state affairs security homeland defense defence finance health justice education energy
interior commerce labor labour agriculture transportation transport treasury trade
economy development environment housing communications information culture tourism
foreign internal home public services human veterans sport sports
"""
    )
)
# Common words that news capitalises in mid-sentence, never a tag on their own.
_NEVER_ALONE = frozenset(
    _words(
        """
god lord government state states city county province district region street road avenue
university college school hospital party council ministry department agency association
committee commission company group team club league union court house office north south
east west northern southern eastern western central new old great national international
federal royal united republic democratic people internet web act bill law article section
chapter page part photo photos image images video file getty capital world
"""
    )
)
# The lower-case ends of hyphenated modifiers made from a name: "Denver-based".
_MODIFIER_TAILS = frozenset(
    _words(
        """
based led born bred owned run backed made style like era bound free wide linked funded
controlled sponsored related specific friendly only speaking educated trained listed
registered headquartered centric inspired focused area level class type centered centred
ruled allied aligned leaning dominated held occupied oriented produced made built
certified approved brokered old long strong
"""
    )
)
# Number words: a capitalised one starts a sentence ("Ten people ...").
_NUMBER_WORDS = _words(
    """
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
hundred hundreds thousand thousands million millions billion billions dozen dozens
second third fourth fifth sixth seventh eighth ninth tenth
"""
)
# Between capitalised words these end a name; at a sentence start they are not names.
_BREAKERS = frozenset(_FUNCTION_WORDS) | frozenset(_CALENDAR) | frozenset(_NUMBER_WORDS)
STOP_WORDS = _BREAKERS | PERSON_TITLES | _TITLE_MODIFIERS | _NEVER_ALONE
# Acronyms spelled like a common word: "WHO" is not "who" (two-letter ones never are).
_SHOUTED_ACRONYMS = frozenset({"WHO"})
_PARTY_STATE_RE = re.compile(r"[RDI]-[A-Z][A-Za-z]{1,5}$")
# A currency sign or code glued to figures is an amount ("RM420", "US$5bn", "Rs500");
# other capitals with figures stay names ("G20", "A380").
_AMOUNT_RE = re.compile(r"^(?:[A-Z]{0,3}\$|RM|Rs|Rp|KSh|Sh|Tk|Dh)\d")
# A run of one of these alone is never a name nor a title: skipped while scanning.
_LONE_WORDS = frozenset(
    w[:1].upper() + w[1:] for w in _BREAKERS | _NEVER_ALONE if w not in PERSON_TITLES
)
_CONTRACTION_RE = re.compile(r"['’](?:ve|ll|re|d|m|t)$|n['’]t$", re.I)

# The last word of a name that says what kind of thing it names.
_ORGANISATION_WORDS = frozenset(
    _words(
        """
inc corp corporation co ltd llc plc ag sa gmbh group holdings bank banks university college
administration
institute institution party council ministry department agency association foundation
committee commission organisation organization forum union court league club army navy
police federation fund network times post news journal herald tribune telegraph gazette
airlines airways motors board authority service services society hospital school church
senate congress parliament assembly reserve office company systems technologies media press
museum academy center centre laboratory laboratories labs studios records pictures
brigade corps force forces front movement alliance coalition guard guards cabinet
exchange fc nations times united
"""
    )
)
_PLACE_WORDS = frozenset(
    _words(
        """
city county province state district island islands lake lakes river mountain mountains
valley street avenue road square bay sea ocean gulf coast strait peninsula region heights
hills park beach harbour harbor port bridge canyon desert forest falls village town
kingdom emirate emirates
"""
    )
)

_KIND_WORDS = _ORGANISATION_WORDS | _PLACE_WORDS

# Countries (and a few other places news treats like them), their other names, and their
# demonyms. "canonical name | other names | demonyms (adjective and people, singular/plural)".
_COUNTRY_TABLE = """
Afghanistan||Afghan,Afghans,Afghani
Albania||Albanian,Albanians
Algeria||Algerian,Algerians
Andorra||Andorran,Andorrans
Angola||Angolan,Angolans
Antigua and Barbuda||Antiguan,Antiguans
Argentina||Argentine,Argentines,Argentinian,Argentinians
Armenia||Armenian,Armenians
Australia||Australian,Australians,Aussie,Aussies
Austria||Austrian,Austrians
Azerbaijan||Azerbaijani,Azerbaijanis,Azeri,Azeris
Bahamas|The Bahamas|Bahamian,Bahamians
Bahrain||Bahraini,Bahrainis
Bangladesh||Bangladeshi,Bangladeshis
Barbados||Barbadian,Barbadians
Belarus||Belarusian,Belarusians
Belgium||Belgian,Belgians
Belize||Belizean,Belizeans
Benin||Beninese
Bhutan||Bhutanese
Bolivia||Bolivian,Bolivians
Bosnia and Herzegovina|Bosnia|Bosnian,Bosnians
Botswana||Botswanan
Brazil||Brazilian,Brazilians
Brunei||Bruneian,Bruneians
Bulgaria||Bulgarian,Bulgarians
Burkina Faso||Burkinabe
Burundi||Burundian,Burundians
Cambodia||Cambodian,Cambodians
Cameroon||Cameroonian,Cameroonians
Canada||Canadian,Canadians
Cape Verde|Cabo Verde|Cape Verdean,Cape Verdeans
Central African Republic|CAR|
Chad||Chadian,Chadians
Chile||Chilean,Chileans
China|PRC,People's Republic of China,Mainland China|Chinese
Colombia||Colombian,Colombians
Comoros||Comoran,Comorans
Costa Rica||Costa Rican,Costa Ricans
Croatia||Croatian,Croatians,Croat,Croats
Cuba||Cuban,Cubans
Cyprus||Cypriot,Cypriots
Czech Republic|Czechia|Czech,Czechs
Democratic Republic of the Congo|DRC,DR Congo,Congo-Kinshasa|
Denmark||Danish,Dane,Danes
Djibouti||Djiboutian,Djiboutians
Dominica||Dominican
Dominican Republic||
East Timor|Timor-Leste|Timorese
Ecuador||Ecuadorian,Ecuadorians,Ecuadorean,Ecuadoreans
Egypt||Egyptian,Egyptians
El Salvador||Salvadoran,Salvadorans,Salvadorian,Salvadorians
Equatorial Guinea||Equatoguinean
Eritrea||Eritrean,Eritreans
Estonia||Estonian,Estonians
Eswatini|Swaziland|Swazi,Swazis
Ethiopia||Ethiopian,Ethiopians
Fiji||Fijian,Fijians
Finland||Finnish,Finn,Finns
France||French,Frenchman,Frenchmen,Frenchwoman
Gabon||Gabonese
Gambia|The Gambia|Gambian,Gambians
Georgia||Georgian,Georgians
Germany||German,Germans
Ghana||Ghanaian,Ghanaians
Greece||Greek,Greeks
Grenada||Grenadian,Grenadians
Guatemala||Guatemalan,Guatemalans
Guinea||Guinean,Guineans
Guinea-Bissau||Bissau-Guinean
Guyana||Guyanese
Haiti||Haitian,Haitians
Honduras||Honduran,Hondurans
Hungary||Hungarian,Hungarians
Iceland||Icelandic,Icelander,Icelanders
India||Indian,Indians
Indonesia||Indonesian,Indonesians
Iran||Iranian,Iranians
Iraq||Iraqi,Iraqis
Ireland|Republic of Ireland,Eire|Irish,Irishman,Irishmen
Israel||Israeli,Israelis
Italy||Italian,Italians
Ivory Coast|Côte d'Ivoire,Cote d'Ivoire|Ivorian,Ivorians
Jamaica||Jamaican,Jamaicans
Japan||Japanese
Jordan||Jordanian,Jordanians
Kazakhstan||Kazakh,Kazakhs,Kazakhstani,Kazakhstanis
Kenya||Kenyan,Kenyans
Kiribati||
Kosovo||Kosovar,Kosovars
Kuwait||Kuwaiti,Kuwaitis
Kyrgyzstan||Kyrgyz
Laos||Lao,Laotian,Laotians
Latvia||Latvian,Latvians
Lebanon||Lebanese
Lesotho||Basotho
Liberia||Liberian,Liberians
Libya||Libyan,Libyans
Liechtenstein||
Lithuania||Lithuanian,Lithuanians
Luxembourg||Luxembourger,Luxembourgers
Madagascar||Malagasy
Malawi||Malawian,Malawians
Malaysia||Malaysian,Malaysians
Maldives|The Maldives|Maldivian,Maldivians
Mali||Malian,Malians
Malta||Maltese
Marshall Islands||Marshallese
Mauritania||Mauritanian,Mauritanians
Mauritius||Mauritian,Mauritians
Mexico||Mexican,Mexicans
Micronesia||Micronesian,Micronesians
Moldova||Moldovan,Moldovans
Monaco||Monegasque
Mongolia||Mongolian,Mongolians
Montenegro||Montenegrin,Montenegrins
Morocco||Moroccan,Moroccans
Mozambique||Mozambican,Mozambicans
Myanmar|Burma|Burmese
Namibia||Namibian,Namibians
Nauru||Nauruan
Nepal||Nepalese,Nepali,Nepalis
Netherlands|The Netherlands,Holland|Dutch,Dutchman,Dutchmen
New Zealand||New Zealander,New Zealanders,Kiwis
Nicaragua||Nicaraguan,Nicaraguans
Niger||Nigerien,Nigeriens
Nigeria||Nigerian,Nigerians
North Korea|DPRK|North Korean,North Koreans
North Macedonia|Macedonia|Macedonian,Macedonians
Norway||Norwegian,Norwegians
Oman||Omani,Omanis
Pakistan||Pakistani,Pakistanis
Palau||Palauan
Palestine|Palestinian Territories,Palestinian territories|Palestinian,Palestinians
Panama||Panamanian,Panamanians
Papua New Guinea|PNG|Papua New Guinean,Papua New Guineans
Paraguay||Paraguayan,Paraguayans
Peru||Peruvian,Peruvians
Philippines|The Philippines|Filipino,Filipinos,Filipina,Philippine
Poland||Polish,Pole,Poles
Portugal||Portuguese
Qatar||Qatari,Qataris
Republic of the Congo|Congo-Brazzaville|
Romania||Romanian,Romanians
Russia|Russian Federation|Russian,Russians
Rwanda||Rwandan,Rwandans
Saint Kitts and Nevis|St Kitts and Nevis|
Saint Lucia|St Lucia|Saint Lucian
Saint Vincent and the Grenadines|St Vincent and the Grenadines|Vincentian
Samoa||Samoan,Samoans
San Marino||Sammarinese
Sao Tome and Principe|São Tomé and Príncipe|
Saudi Arabia|KSA|Saudi,Saudis,Saudi Arabian
Senegal||Senegalese
Serbia||Serbian,Serbians,Serb,Serbs
Seychelles||Seychellois
Sierra Leone||Sierra Leonean,Sierra Leoneans
Singapore||Singaporean,Singaporeans
Slovakia||Slovak,Slovaks,Slovakian
Slovenia||Slovenian,Slovenians,Slovene,Slovenes
Solomon Islands||Solomon Islander
Somalia||Somali,Somalis
South Africa||South African,South Africans
South Korea|Republic of Korea,ROK|South Korean,South Koreans
South Sudan||South Sudanese
Spain||Spanish,Spaniard,Spaniards
Sri Lanka||Sri Lankan,Sri Lankans
Sudan||Sudanese
Suriname||Surinamese
Sweden||Swedish,Swede,Swedes
Switzerland||Swiss
Syria||Syrian,Syrians
Taiwan||Taiwanese
Tajikistan||Tajik,Tajiks
Tanzania||Tanzanian,Tanzanians
Thailand||Thai,Thais
Togo||Togolese
Tonga||Tongan,Tongans
Trinidad and Tobago|Trinidad|Trinidadian,Trinidadians
Tunisia||Tunisian,Tunisians
Turkey|Türkiye,Turkiye|Turkish,Turk,Turks
Turkmenistan||Turkmen
Tuvalu||Tuvaluan
Uganda||Ugandan,Ugandans
Ukraine||Ukrainian,Ukrainians
United Arab Emirates|UAE,Emirates|Emirati,Emiratis
United Kingdom|UK,U.K.,Britain,Great Britain|British,Briton,Britons,Brit,Brits
United States|US,U.S.,USA,U.S.A.,America,United States of America|American,Americans
Uruguay||Uruguayan,Uruguayans
Uzbekistan||Uzbek,Uzbeks
Vanuatu||Ni-Vanuatu
Vatican City|Vatican,Holy See|
Venezuela||Venezuelan,Venezuelans
Vietnam|Viet Nam|Vietnamese
Yemen||Yemeni,Yemenis
Zambia||Zambian,Zambians
Zimbabwe||Zimbabwean,Zimbabweans
England||English,Englishman,Englishmen
Scotland||Scottish,Scot,Scots
Wales||Welsh,Welshman
Northern Ireland||Northern Irish
Africa||African,Africans
Europe||European,Europeans
Asia||Asian,Asians
"""


# US states as AP style abbreviates them after a city ("Monroe, La."); the dotted
# two-letter forms stand alone ("N.H.").
_STATE_ABBREVIATIONS = {
    "Ala": "Alabama", "Ariz": "Arizona", "Ark": "Arkansas", "Calif": "California",
    "Colo": "Colorado", "Conn": "Connecticut", "Del": "Delaware", "Fla": "Florida",
    "Ga": "Georgia", "Ill": "Illinois", "Ind": "Indiana", "Kan": "Kansas", "Kans": "Kansas",
    "Ky": "Kentucky", "La": "Louisiana", "Md": "Maryland", "Mass": "Massachusetts",
    "Mich": "Michigan", "Minn": "Minnesota", "Miss": "Mississippi", "Mo": "Missouri",
    "Mont": "Montana", "Neb": "Nebraska", "Nev": "Nevada", "Okla": "Oklahoma",
    "Ore": "Oregon", "Pa": "Pennsylvania", "Tenn": "Tennessee", "Tex": "Texas",
    "Vt": "Vermont", "Va": "Virginia", "Wash": "Washington", "Wis": "Wisconsin",
    "Wyo": "Wyoming", "N.H.": "New Hampshire", "N.J.": "New Jersey", "N.M.": "New Mexico",
    "N.Y.": "New York", "N.C.": "North Carolina", "N.D.": "North Dakota",
    "R.I.": "Rhode Island", "S.C.": "South Carolina", "S.D.": "South Dakota",
    "W.Va.": "West Virginia", "D.C.": "Washington",
}  # fmt: skip
_STATE_NAMES = {abbr: tuple(name.split(" ")) for abbr, name in _STATE_ABBREVIATIONS.items()}


@lru_cache(maxsize=1 << 17)
def _fold(word: str) -> str:
    """A word's comparison key: case-folded, accents off, one kind of hyphen and apostrophe."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("’", "'").replace("‐", "-").replace("‑", "-")


def _load_countries() -> tuple[dict[str, str], dict[str, str]]:
    """Folded name -> country for names and demonyms, and the all-caps aliases by exact form
    (so that "US" is the United States and "Us" or "us" is not)."""
    folded: dict[str, str] = {}
    exact: dict[str, str] = {}
    for line in _COUNTRY_TABLE.strip().splitlines():
        name, others, demonyms = line.split("|")
        for alias in [name, *others.split(","), *demonyms.split(",")]:
            alias = alias.strip()
            if not alias:
                continue
            if alias.replace(".", "").isupper():
                exact[alias] = name
            else:
                folded[_fold(alias)] = name
                if alias.lower().startswith("the "):
                    folded[_fold(alias[4:])] = name
    return folded, exact


_COUNTRY_BY_FOLD, _COUNTRY_BY_ACRONYM = _load_countries()
COUNTRIES = frozenset(_COUNTRY_BY_FOLD.values())
# Demonyms, folded: they stand for their country but never name a tag ("Pakistani").
_DEMONYMS = frozenset(
    _fold(demonym.strip())
    for line in _COUNTRY_TABLE.strip().splitlines()
    for demonym in line.split("|")[2].split(",")
    if demonym.strip()
)

_LOWER_WORD_RE = re.compile(r"(?<![^\W_])[^\W\d_A-Z]+(?:['’][a-z]+)?(?![^\W_])")
# Words after a person's name ("said") and before a place's ("in").
_SAID_AFTER = tuple(
    f"{sep}{verb}"
    for sep in (" ", ", ")
    for verb in ("said", "says", "told", "added", "wrote", "explained", "argued", "insisted")
)
_AGE_RE = re.compile(r", \d{1,3},")
_PLACE_BEFORE = tuple(
    f" {word} {the}"
    for word in ("in", "near", "across", "outside", "inside", "throughout")
    for the in ("", "the ")
)
# After a dateline's place: ", Region" and the agency, or a colon or dash.
_DATELINE_RE = re.compile(r"(?:,[^,:;()]{0,30}){0,2}(?:,? ?\([A-Za-z]+\)|:| [-–—] )")
_DATELINE_AGENCY_RE = re.compile(r"(?:,[^,:;()]{0,30}){0,2},? ?\([A-Za-z]+\)")


@dataclass(frozen=True)
class EntityTag:
    """An automatic tag: a proper name as printed, its kind, and its score in the article."""

    name: str
    kind: str  # "place" | "person" | "organisation" | "name"
    score: float
    # How this article prints the name, most often first ("Kakar", "Anwaar-ul-Haq Kakar").
    forms: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class _Piece:
    """A name candidate cut from one run: its words as printed, whether its first word
    needs case evidence, and what the run says about its kind."""

    words: tuple[str, ...]
    ambiguous: int  # PLAIN, LENIENT or STRICT
    hint: str

    @property
    def capitalised(self) -> tuple[str, ...]:
        """Folded words capitalised where a capital says something (not ALL CAPS, not
        the sentence's first word, not inside a name of three words or more: "Brokers" in
        "East African Tea Brokers Association" says nothing of "Brokers" alone)."""
        words = self.words
        if len(words) > 2:
            words = (words[0], words[-1])
        return tuple(
            _fold(w)
            for w in words[1 if self.ambiguous else 0 :]
            if w[:1].isupper() and not w.isupper()
        )


@dataclass(slots=True)
class _Candidate:
    """A name candidate in one article (all its mentions), before case evidence is weighed."""

    words: tuple[str, ...]
    mode: str  # "text" | "headline" (Title Case or ALL CAPS: every word needs evidence)
    ambiguous: int  # PLAIN, LENIENT or STRICT
    order: int  # of its first mention among the article's candidates
    weight: float = 0.0
    count: int = 0
    hints: int = 0  # packed hint counts, see `_HINT_UNIT`


class _Article:
    """One article's candidates and the case evidence it gives."""

    __slots__ = ("candidates", "mentions", "capitalised", "capital", "text", "words", "_lower")

    def __init__(
        self,
        candidates: list[_Candidate],
        mentions: list[_Candidate],
        capitalised: list[str],
        text: str,
    ) -> None:
        self.candidates = candidates
        self.mentions = mentions  # each mention's candidate, in the order printed
        self.capitalised = capitalised  # folded words capitalised in mid-sentence
        self.capital = Counter(capitalised)
        self.text = text
        self.words = text.count(" ") + text.count("\n") + 1
        self._lower: dict[str, int] = {}

    def lower(self, word: str, corpus: _Evidence) -> int:
        """How often the article writes ``word`` in lower case (0 for a word the corpus's
        sample never writes in lower case)."""
        if corpus.unseen(word):
            return 0
        count = self._lower.get(word)
        if count is None:
            count = len(_whole_word(word).findall(self.text)) if word in self.text else 0
            self._lower[word] = count
        return count

    def known_keys(self) -> list[str]:
        """The keys of the names it prints in running text (the corpus counts them)."""
        return [_key(c.words) for c in self.candidates if c.mode == "text" and not c.ambiguous]


@lru_cache(maxsize=1 << 14)
def _whole_word(word: str) -> re.Pattern[str]:
    """``word`` standing as a whole word (the literal first, so the search is fast)."""
    escaped = re.escape(word)
    return re.compile(rf"{escaped}(?<![^\W_]{escaped})(?![^\W_])")


class _Name:
    """A name's mentions in one article."""

    __slots__ = ("weight", "first", "surfaces", "printed", "hints")

    def __init__(self, first: int) -> None:
        self.weight = 0.0
        self.first = first
        self.surfaces: dict[str, int] = {}  # the forms it may be printed as
        self.printed: dict[str, int] = {}  # the article's own forms, variants included
        self.hints = 0  # packed hint counts, see `_HINT_UNIT`

    def absorb(self, other: _Name) -> None:
        """Add the mentions of a variant of this name."""
        self.weight += other.weight
        self.first = min(self.first, other.first)
        _add(self.printed, other.printed)
        self.hints += other.hints

    def copy(self) -> _Name:
        """Another name with the same mentions, to change without changing this one."""
        name = _Name(self.first)
        name.weight, name.hints = self.weight, self.hints
        name.surfaces, name.printed = dict(self.surfaces), dict(self.printed)
        return name


def _names_to_columns(names: dict[str, _Name]) -> tuple[tuple, ...]:
    """An article's names as six tuples (keys, weights, firsts, surfaces, printed, hints):
    what a memo keeps, since plain tuples load many times faster than objects."""
    values = names.values()
    return (
        tuple(names),
        tuple(n.weight for n in values),
        tuple(n.first for n in values),
        tuple(n.surfaces for n in values),
        tuple(n.printed for n in values),
        tuple(n.hints for n in values),
    )


def _names_from_columns(columns: tuple[tuple, ...]) -> dict[str, _Name]:
    """The names `_names_to_columns` keeps (new objects; the memo's dicts are shared, and
    never changed: see `_merge_in_article`)."""
    names: dict[str, _Name] = {}
    new = _Name.__new__
    for key, weight, first, surfaces, printed, hints in zip(*columns, strict=True):
        name = names[key] = new(_Name)
        name.weight, name.first, name.surfaces, name.printed, name.hints = (
            weight,
            first,
            surfaces,
            printed,
            hints,
        )
    return names


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    """Add ``counts`` into ``into``."""
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


# --- stage 1: plain text ----------------------------------------------------------------


# The end of a sentence: its punctuation, closing quotes, and the space before a capital.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*( +)(?=[\"'“‘«(\[]?[A-Z0-9])")


def _blocks(title: str, body: str) -> list[tuple[str, float, bool]]:
    """(text, weight, is a headline) of the title, headings and body blocks; the lead is
    weighted up."""
    blocks: list[tuple[str, float, bool]] = []
    if title.strip():
        blocks.append((" ".join(title.split()), TITLE_WEIGHT, True))
    seen = 0
    for kind, text in markdown_blocks(body):
        if kind == "heading":
            blocks.append((text, HEADING_WEIGHT, True))
            continue
        if seen >= LEAD_WORDS:
            blocks.append((text, BODY_WEIGHT, False))
            continue
        count = len(text.split())
        if seen + count <= LEAD_WORDS:
            blocks.append((text, LEAD_WEIGHT, False))
            seen += count
            continue
        # The lead ends with the sentence in which its last word falls.
        cut = -1
        for _ in range(LEAD_WORDS - seen):
            cut = text.find(" ", cut + 1)
        end = _SENTENCE_END_RE.search(text, cut)
        seen = LEAD_WORDS
        if end is None:
            blocks.append((text, LEAD_WEIGHT, False))
            continue
        blocks.append((text[: end.start(1)], LEAD_WEIGHT, False))
        blocks.append((text[end.end() :], BODY_WEIGHT, False))
    return blocks


def _is_headline_case(text: str) -> bool:
    """Whether a line is in Title Case or ALL CAPS, where capitals say nothing."""
    longer = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 3]
    if len(longer) < 2:
        return False
    capitalised = sum(1 for w in longer if w[0].isupper())
    return capitalised >= TITLE_CASE_SHARE * len(longer)


# --- stage 2: name runs cut into pieces ----------------------------------------------------


def _strip_possessive(word: str) -> tuple[str, bool]:
    """("Pakistan", True) for "Pakistan’s"; a plain word comes back unchanged."""
    if len(word) > 2 and word[-2:] in ("'s", "’s"):
        return word[:-2], True
    return word, False


def _is_acronym(word: str) -> bool:
    """Whether a word is all capitals, dots and ampersands aside: "CNN", "U.S.", "AT&T"."""
    letters = word.replace(".", "").replace("&", "")
    return len(letters) >= 2 and letters.isupper() and letters.isalpha()


def _capitalised_head(word: str) -> tuple[str, bool]:
    """Cut a hyphenated modifier off its name: ("Denver", True) for "Denver-based"; other
    lower-case parts belong to the name ("Anwaar-ul-Haq")."""
    if "-" not in word:
        return word, False
    parts = word.split("-")
    if parts[-1][:1].isupper() or parts[-1].isdigit():
        return word, False
    if parts[-1].lower() not in _MODIFIER_TAILS:
        return word, False  # a name with a lower-case part: "Fukushima Dai-ichi"
    kept = parts[:-1]
    while kept and not kept[-1][:1].isupper():
        kept.pop()
    if len(kept) == 1 and _fold(kept[0]) in _BREAKERS:
        return "", True  # "Nineteen-year-old", "Two-day": a number or date, not a name
    return "-".join(kept), True


def _is_title(word: str) -> bool:
    """Whether a word is a title, or titles: "Minister", "Professors", "Sen."."""
    folded = _fold(_strip_possessive(word)[0].rstrip("."))
    return folded in PERSON_TITLES or (folded[-1:] == "s" and folded[:-1] in PERSON_TITLES)


def _title_length(words: list[str], index: int) -> int:
    """How many words from ``index`` make a title ("Prime Minister" 2, "Mr" 1), else 0.
    A title word before a kind word is part of a name: "Justice Department"."""
    end = index
    while end < len(words) and _fold(words[end].rstrip(".")) in _TITLE_MODIFIERS:
        end += 1
    if end < len(words) and _is_title(words[end]):
        length = end - index + 1
    elif _is_title(words[index]):
        length = 1
    else:
        return 0
    after = index + length
    return 0 if after < len(words) and _fold(words[after]) in _KIND_WORDS else length


@lru_cache(maxsize=65536)
def _cut_run(run: str, initial: bool) -> tuple[_Piece, ...]:
    """Cut a run of capitalised words into name pieces.

    A piece ends at a possessive, a modifier ("Denver-based"), a dotted acronym, a common
    word, or a country inside a compound ("Israel-Hamas"). Titles are dropped and mark the
    name after them as a person's ("Secretary of State Hillary Clinton"), except inside a
    name after "of" ("Department of Justice").
    """
    words = run.split(" ")
    pieces: list[_Piece] = []
    current: list[str] = []
    ambiguous = initial
    hint = ""

    def close(possessive: bool = False) -> None:
        nonlocal current, ambiguous, hint
        while current and (current[-1] in NAME_PARTICLES or current[-1] in ("the", "&", "and")):
            current.pop()
        while current and current[0] in ("&", "and"):
            current.pop(0)
        if current:
            level = PLAIN
            if ambiguous:
                level = STRICT if len(current) == 1 and not possessive else LENIENT
            pieces.append(_Piece(tuple(current), level, hint))
            hint = ""
        current = []
        ambiguous = False

    index = 0
    while index < len(words):
        word = words[index]
        if word in NAME_PARTICLES or word in ("the", "&", "and"):
            if (
                word == "of"
                and current
                and _fold(current[-1]) not in _KIND_WORDS
                and (_country_follows(words, index + 1) or _is_full_name(current))
            ):
                # "Laurent Gbagbo of Ivory Coast", "Nico Rizzo of Loma Linda University",
                # but "Bank of England", "Tree of Life"
                close()
            if current:
                current.append(word)
            index += 1
            continue
        titled = _title_length(words, index)
        if titled and not (current and current[-1] in NAME_PARTICLES):
            close()
            index += titled
            if index < len(words) and words[index] in ("of", "for"):
                index = _skip_portfolio(words, index + 1, pieces)
            hint = "title" if index < len(words) else ""
            continue
        index += 1
        word, possessive = _strip_possessive(word)
        folded = _fold(word)
        shouted = word.isupper() and (len(word) < 3 or word in _SHOUTED_ACRONYMS)
        if (
            (folded in _BREAKERS and not shouted)
            or _CONTRACTION_RE.search(word)
            or ("-" in folded and folded.split("-", 1)[0] in _CALENDAR_WORDS)
            or (folded.endswith("s") and folded[:-1] in _CALENDAR_WORDS)
        ):
            close()  # "Monday", "Sundays", "Sunday-to-Thursday", "don't"
            continue
        if "." in word and _is_acronym(word):
            close()
            pieces.append(_Piece((word,), PLAIN, ""))
            ambiguous = True
            continue
        if _AMOUNT_RE.match(word):
            close()  # "RM420", "US$5", "A4": amounts and codes, not names
            continue
        if _PARTY_STATE_RE.match(word):
            close()  # "R-Ala": party and state after a US legislator's name
            continue
        word, modifier = _capitalised_head(word)
        if not word:
            close()
            continue
        if "-" in word and not modifier and not current:
            parts = word.split("-")
            if any(_fold(p) in _COUNTRY_BY_FOLD for p in parts):
                level = STRICT if ambiguous else PLAIN
                pieces.extend(_Piece((p,), level, "") for p in parts if p[:1].isupper())
                ambiguous = False
                continue
        if current and len(word) > 3 and word.isupper() and not current[-1].isupper():
            close()  # a dateline after a byline: "By Jane Roe LISBON"
        current.append(word)
        if possessive or modifier:
            close(possessive)
    close()
    return tuple(pieces)


def _is_full_name(words: list[str]) -> bool:
    """Whether words before "of" read as a person's full name: two or three capitalised
    words, none of them a particle, an acronym or a kind word ("Nico Rizzo")."""
    return 2 <= len(words) <= 3 and all(
        w[:1].isupper()
        and not w.isupper()
        and w not in NAME_PARTICLES
        and _fold(w) not in _KIND_WORDS
        for w in words
    )


def _country_follows(words: list[str], index: int) -> bool:
    """Whether the words from ``index`` to the end of the run name a country."""
    rest = [_strip_possessive(w)[0] for w in words[index:]]
    while rest and rest[0] == "the":
        rest = rest[1:]
    return bool(rest) and (
        " ".join(rest) in _COUNTRY_BY_ACRONYM or _key(tuple(rest)) in _COUNTRY_BY_FOLD
    )


def _skip_portfolio(words: list[str], index: int, pieces: list[_Piece]) -> int:
    """Skip an office's portfolio after "of" ("Minister of (the) Foreign Affairs ..."); a
    country named as the portfolio is still a mention of the country."""
    while index < len(words) and words[index] == "the":
        index += 1
    if index < len(words):
        portfolio, _ = _strip_possessive(words[index])
        if _fold(portfolio) in _COUNTRY_BY_FOLD:
            pieces.append(_Piece((portfolio,), PLAIN, "place"))
        index += 1
    while index < len(words) and _fold(words[index]) in _PORTFOLIO_WORDS:
        index += 1
    return index


def _dateline(words: tuple[str, ...]) -> tuple[str, ...]:
    """A dateline's place as a name is printed elsewhere: "NEW ORLEANS" -> "New Orleans"."""
    return tuple("-".join(p.capitalize() for p in w.split("-")) for w in words)


@lru_cache(maxsize=65536)
def _cut_run_counted(run: str, initial: bool) -> tuple[tuple[_Piece, ...], int, tuple[str, ...]]:
    """`_cut_run`, with the number of ALL CAPS words and the words whose capital counts
    as evidence (both fixed for a given run)."""
    pieces = _cut_run(run, initial)
    acronyms = sum(1 for p in pieces for w in p.words if _is_acronym(w))
    return pieces, acronyms, tuple(w for p in pieces for w in p.capitalised)


# The last words of public bodies whose names join two nouns with "and".
_JOINED_ORGANISATION_WORDS = frozenset(
    _words(
        """
administration agency association authority board bureau commission committee council
department foundation institute ministry museum service services
"""
    )
)


def _joined_runs(
    text: str, spans: list[tuple[int, int, str, bool]]
) -> list[tuple[int, int, str, bool]]:
    """Join two runs around "and" into one name when the second names an organisation in
    two or more words ("Food and Drug Administration", "Securities and Exchange
    Commission"); never around a country, a demonym or a possessive ("Obama and Romney")."""
    if len(spans) < 2 or " and " not in text:
        return spans
    joined = [spans[0]]
    for span in spans[1:]:
        start, end, run, _initial = span
        first = joined[-1]
        if (
            text[first[1] : start] == " and "
            and " " in run
            and _fold(run.rsplit(" ", 1)[-1]) in _JOINED_ORGANISATION_WORDS
            and "'" not in run
            and "’" not in run
            and "'" not in first[2]
            and "’" not in first[2]
            and not any(
                _fold(w) in _COUNTRY_BY_FOLD or w in _COUNTRY_BY_ACRONYM
                for w in (*first[2].split(" "), *run.split(" "))
            )
        ):
            joined[-1] = (first[0], end, f"{first[2]} and {run}", first[3])
            continue
        joined.append(span)
    return joined


def _read_article(title: str, body: str) -> _Article:
    """Stages 1 and 2: the article's name candidates and its case evidence."""
    found: dict[tuple[tuple[str, ...], str, bool], _Candidate] = {}
    mentions: list[_Candidate] = []  # in the order they are printed
    capital: list[str] = []

    def mention(
        words: tuple[str, ...], mode: str, ambiguous: int, weight: float, hint: str
    ) -> None:
        candidate = found.get((words, mode, ambiguous))
        if candidate is None:
            candidate = found[words, mode, ambiguous] = _Candidate(
                words, mode, ambiguous, len(found)
            )
        candidate.weight += weight
        candidate.count += 1
        mentions.append(candidate)
        if hint:
            candidate.hints += _HINT_UNIT[hint]

    # Locals for the loop below, which runs once per run of capitalised words.
    cut = _cut_run_counted
    states = _STATE_ABBREVIATIONS
    said_after, place_before, age_re = _SAID_AFTER, _PLACE_BEFORE, _AGE_RE
    hint_unit, new_candidate = _HINT_UNIT, _Candidate
    blocks = _blocks(title, body)
    texts = [block[0] for block in blocks]
    text = "\n".join(texts)  # one scan for the whole article; each line is a block
    ends = list(accumulate(len(block) + 1 for block in texts))
    block = 0
    limit = -1
    weight = 0.0
    headline = titled = False
    for start, end, run, initial in _joined_runs(text, name_run_spans(text, _LONE_WORDS)):
        if start >= limit:  # the first run of another block
            while ends[block] <= start:
                block += 1
            limit = ends[block]
            _text, weight, headed = blocks[block]
            headline = headed and _is_headline_case(texts[block])
            titled = False
        pieces, acronyms, capitalised = cut(run, initial or headline)
        after_title, titled = titled, False
        if not pieces:
            titled = text.startswith(". ", end) and _is_title(run.rsplit(" ", 1)[-1])
            continue
        if run in states and text.startswith(".", end) and text[start - 2 : start] == ", ":
            mention(_STATE_NAMES[run], "text", PLAIN, weight, "place")
            continue
        if (
            acronyms
            and acronyms == run.count(" ") + 1
            and (start == 0 or text[start - 1] == "\n" or _DATELINE_AGENCY_RE.match(text, end))
            and _DATELINE_RE.match(text, end)
        ):
            for number, piece in enumerate(pieces):
                # A byline may come before the place: "By JANE ROE LISBON (Reuters)".
                hint = "place" if number == len(pieces) - 1 else ""
                mention(_dateline(piece.words), "text", PLAIN, weight, hint)
            continue
        mode = "headline" if headline or acronyms > 1 else "text"
        if mode == "text":
            capital.extend(capitalised)
        # Context: "said" after the name, "in" before it.
        if text.startswith(said_after, end) or (
            text.startswith(",", end) and age_re.match(text, end)
        ):
            context = "said"
        elif text.endswith(place_before, 0, start):
            context = "in"
        else:
            context = ""
        if len(pieces) == 1:  # the common case, inlined
            piece = pieces[0]
            hint = piece.hint or ("title" if after_title else context)
            key = (piece.words, mode, piece.ambiguous)
            candidate = found.get(key)
            if candidate is None:
                candidate = found[key] = new_candidate(*key, len(found))
            candidate.weight += weight
            candidate.count += 1
            mentions.append(candidate)
            if hint:
                candidate.hints += hint_unit[hint]
            continue
        last_piece = len(pieces) - 1
        for number, piece in enumerate(pieces):
            hint = piece.hint or ("title" if after_title and number == 0 else "")
            if not hint and number == last_piece:
                hint = context
            mention(piece.words, mode, piece.ambiguous, weight, hint)
    return _Article(list(found.values()), mentions, capital, text)


# --- stage 3: case evidence ---------------------------------------------------------------


# The questions stage 3 asks of the corpus, as recorded with their answers (see
# `_Evidence.asked`): each is (code, *arguments, answer).
_KNOWN, _KNOWN_ONCE, _UNSEEN, _CASE, _ACRONYM, _COMMON = range(6)
_ASKED = 3  # where an article's entry in a memo holds its questions: see `ArticleMemo`


@dataclass
class _Evidence:
    """Case evidence from the corpus: capitalised in mid-sentence, and in lower case.

    Stage 3 reads it only through the questions below. While ``asked`` is a list, each
    question is appended to it with its answer: an article's resolution is a function of
    its own text and of those answers, so it holds in another build for as long as every
    answer does (``changed_answers``)."""

    capital: Counter[str] = field(default_factory=Counter)
    lower: Counter[str] = field(default_factory=Counter)
    lower_scale: float = 1.0
    known: Counter[str] = field(default_factory=Counter)  # names found in running text
    # Words of a mid-sentence candidate -> the name they resolve to (or None) and the
    # questions that decided it, for the candidates whose resolution depends on the
    # corpus alone.
    resolved: dict[tuple[str, ...], tuple[tuple[str, ...] | None, tuple]] = field(
        default_factory=dict
    )
    asked: list[tuple] | None = None

    def lower_count(self, word: str) -> float:
        """How often the corpus writes ``word`` in lower case (scaled up from the sample)."""
        return self.lower[word] * self.lower_scale

    def is_known(self, key: str) -> bool:
        """Whether some article prints the name in running text."""
        answer = key in self.known
        if self.asked is not None:
            self.asked.append((_KNOWN, key, answer))
        return answer

    def known_once(self, key: str) -> bool:
        """Whether fewer than two articles print the name in running text."""
        answer = self.known[key] < 2
        if self.asked is not None:
            self.asked.append((_KNOWN_ONCE, key, answer))
        return answer

    def unseen(self, word: str) -> bool:
        """Whether the sample has lower-case words, and not this one."""
        answer = bool(self.lower) and word not in self.lower
        if self.asked is not None:
            self.asked.append((_UNSEEN, word, answer))
        return answer

    def case(self, folded: str, lower: str) -> bool | None:
        """Whether the corpus writes the word capitalised in mid-sentence more often than
        in lower case; None when it writes it neither way."""
        capital, count = self.capital[folded], self.lower_count(lower)
        answer = capital > count if capital or count else None
        if self.asked is not None:
            self.asked.append((_CASE, folded, lower, answer))
        return answer

    def rare_in_lower_case(self, lower: str, folded: str) -> bool:
        """Whether the corpus writes an ALL CAPS word in lower case less often than one
        more than capitalised."""
        answer = self.lower_count(lower) < 1 + self.capital[folded]
        if self.asked is not None:
            self.asked.append((_ACRONYM, lower, folded, answer))
        return answer

    def common(self, lower: str, folded: str) -> bool:
        """Whether the corpus writes the word in lower case at least three times, and
        three times as often as capitalised in mid-sentence."""
        count = self.lower_count(lower)
        answer = count >= 3 and count >= 3 * self.capital[folded]
        if self.asked is not None:
            self.asked.append((_COMMON, lower, folded, answer))
        return answer

    def changed_answers(self, recorded: Iterable[Iterable[tuple]]) -> set[tuple]:
        """The recorded questions (with their answers) that this corpus answers otherwise."""
        distinct: set[tuple] = set()
        for questions in recorded:
            distinct.update(questions)
        recording, self.asked = self.asked, None
        changed = {q for q in distinct if _QUESTIONS[q[0]](self, *q[1:-1]) != q[-1]}
        self.asked = recording
        return changed


_QUESTIONS = {
    _KNOWN: _Evidence.is_known,
    _KNOWN_ONCE: _Evidence.known_once,
    _UNSEEN: _Evidence.unseen,
    _CASE: _Evidence.case,
    _ACRONYM: _Evidence.rare_in_lower_case,
    _COMMON: _Evidence.common,
}


@lru_cache(maxsize=1 << 17)
def _key(words: tuple[str, ...]) -> str:
    """A name's comparison key: its words folded, an acronym's dots off ("U.N." = "UN")."""
    return " ".join([_fold(_undotted(w)) for w in words])


def _undotted(word: str) -> str:
    """An acronym without its dots ("U.N." -> "UN"); any other word unchanged."""
    return word.replace(".", "") if "." in word and _is_acronym(word) else word


def _word_is_name(word: str, article: _Article, corpus: _Evidence, strict: bool) -> bool:
    """Whether a capitalised word whose capital says nothing (sentence start, headline) is
    a name: written capitalised in mid-sentence more often than in lower case, by the
    article if it writes the word elsewhere, else by the corpus. Without any evidence a
    word is a name only when not ``strict``."""
    folded = _fold(word)
    if folded in STOP_WORDS or (strict and folded in _KIND_WORDS):
        return False
    if folded in _COUNTRY_BY_FOLD or word in _COUNTRY_BY_ACRONYM:
        return True
    if word.isupper():
        return _acronym_is_name(word, article, corpus)
    capital = article.capital[folded]
    lower = article.lower(word.lower(), corpus)
    if capital or lower:
        return capital > lower
    verdict = corpus.case(folded, word.lower())
    return not strict if verdict is None else verdict


def _acronym_is_name(word: str, article: _Article, corpus: _Evidence) -> bool:
    """An ALL CAPS word is an acronym (CNN, NATO) unless it is an ordinary word shouted
    (TWICE): then the article or the corpus writes it in lower case."""
    if word in _COUNTRY_BY_ACRONYM:
        return True
    if len(word) == 1:
        return False
    lower = word.lower()
    if _fold(lower) in STOP_WORDS:
        return False
    if article.lower(lower, corpus):
        return False
    return corpus.rare_in_lower_case(lower, _fold(word))


def _is_common_word(word: str, corpus: _Evidence) -> bool:
    """Whether the corpus writes a capitalised word in lower case at least three times as
    often as capitalised in mid-sentence."""
    if word.isupper() or _fold(word) in _COUNTRY_BY_FOLD:
        return False
    return corpus.common(word.lower(), _fold(word))


class _LazyKnown:
    """The keys of the names an article prints in running text, gathered when first asked."""

    __slots__ = ("_article", "_keys")

    def __init__(self, article: _Article) -> None:
        self._article = article
        self._keys: set[str] | None = None

    def __contains__(self, key: str) -> bool:
        if self._keys is None:
            self._keys = {
                _key(c.words)
                for c in self._article.candidates
                if c.mode == "text" and not c.ambiguous
            }
        return key in self._keys


def _resolve(article: _Article, corpus: _Evidence) -> Iterator[tuple[tuple[str, ...], _Candidate]]:
    """Stage 3: the names among an article's candidates, as printed."""
    known = _LazyKnown(article)
    resolved = corpus.resolved
    for candidate in article.candidates:
        words = candidate.words
        if candidate.mode == "headline":
            for span in _headline_names(words, known, article, corpus):
                yield span, candidate
            continue
        if not candidate.ambiguous:
            found = resolved.get(words)
            if found is not None:  # resolved before, from the corpus alone
                name, asked = found
                if corpus.asked is not None:
                    corpus.asked.extend(asked)
                if name is not None:
                    yield name, candidate
                continue
            name = _resolve_plain(words, article, corpus)
            if name is not None:
                yield name, candidate
            continue
        if len(words) == 1:
            if _word_is_name(words[0], article, corpus, candidate.ambiguous == STRICT):
                yield words, candidate
            continue
        if (
            not corpus.is_known(key := _key(words))
            and key not in known
            and not _word_is_name(words[0], article, corpus, strict=False)
        ):
            words = words[1:]
            while words and words[0] in NAME_PARTICLES:
                words = words[1:]
        name = _resolve_plain(words, article, corpus) if words else None
        if name is not None:
            yield name, candidate


def _resolve_plain(
    words: tuple[str, ...], article: _Article, corpus: _Evidence
) -> tuple[str, ...] | None:
    """The name a candidate in mid-sentence stands for, or None; remembered in the
    corpus evidence when the article's own evidence played no part."""
    start = len(corpus.asked) if corpus.asked is not None else 0
    name: tuple[str, ...] | None = words
    if len(words) > 1 and corpus.known_once(_key(words)):
        while len(name) > 1 and _is_common_word(name[0], corpus):
            name = name[1:]  # "Starring James Marsden" in a line of furniture
            while name and name[0] in NAME_PARTICLES:
                name = name[1:]
    if name and len(name) == 1:
        word = name[0]
        if not _single_word_is_name(word, article, corpus):
            name = None
        if word.isupper() or not corpus.unseen(word.lower()):
            return name  # the article's lower-case words decided
    asked = tuple(corpus.asked[start:]) if corpus.asked is not None else ()
    corpus.resolved[words] = (name or None, asked)
    return name or None


def _single_word_is_name(word: str, article: _Article, corpus: _Evidence) -> bool:
    """A one-word name in running text: an acronym that is no shouted word, or a
    capitalised word that is no common word and that the article does not write in lower
    case more often ("Yoga" after a dash when the article says "yoga" elsewhere)."""
    if word.isupper():
        return _acronym_is_name(word, article, corpus)
    folded = _fold(word)
    if folded in STOP_WORDS:
        return False
    lower = word.lower()
    if corpus.unseen(lower):
        return True
    return article.lower(lower, corpus) <= article.capital[folded]


def _headline_names(
    words: tuple[str, ...], known: _LazyKnown, article: _Article, corpus: _Evidence
) -> list[tuple[str, ...]]:
    """Names in a Title Case or ALL CAPS piece: the longest spans the article (else the
    corpus) prints as names in running text, then single words with evidence."""
    found: list[tuple[str, ...]] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            span = words[start:end]
            if span[0] in NAME_PARTICLES or span[-1] in NAME_PARTICLES:
                continue
            key = _key(span)
            if end - start > 1 and (corpus.is_known(key) or key in known):
                found.append(span)
                start = end
                break
            if end - start == 1 and (_word_is_name(span[0], article, corpus, True) or key in known):
                found.append(span)
                start = end
                break
        else:
            start += 1
    return found


# --- stage 4: canonical names ---------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _country(words: tuple[str, ...]) -> str | None:
    """The country a name or demonym stands for ("Pakistani" -> "Pakistan"), if any."""
    surface = " ".join(words)
    if surface in _COUNTRY_BY_ACRONYM:
        return _COUNTRY_BY_ACRONYM[surface]
    if surface.isupper() and len(surface.replace(".", "")) <= 4:
        return None
    return _COUNTRY_BY_FOLD.get(_key(words))


@lru_cache(maxsize=1 << 16)
def _identity(words: tuple[str, ...]) -> tuple[str, str, str, bool]:
    """(printed, key, canonical surface, is a place) of a name's words: a country's names
    and demonyms, and a state's dotted abbreviation, stand for the place."""
    printed = " ".join(words)
    place = _country(words)
    if place is None and "." in printed:
        place = _STATE_ABBREVIATIONS.get(printed)  # "N.H.", "D.C."
    if place:
        return printed, _fold(place), place, True
    return printed, _key(words), printed, False


def _collect(names: Iterable[tuple[tuple[str, ...], _Candidate]]) -> dict[str, _Name]:
    """Group an article's name mentions by key."""
    grouped: dict[str, _Name] = {}
    for words, candidate in names:
        printed, key, surface, place = _identity(words)
        count = candidate.count
        name = grouped.get(key)
        if name is None:
            name = grouped[key] = _Name(first=candidate.order)
        elif candidate.order < name.first:
            name.first = candidate.order
        name.weight += candidate.weight
        name.surfaces[surface] = name.surfaces.get(surface, 0) + count
        name.printed[printed] = name.printed.get(printed, 0) + count
        if place:
            name.hints += _HINT_UNIT["place"] * count
        name.hints += candidate.hints
    return grouped


@lru_cache(maxsize=1 << 16)
def _short_forms(key: str) -> tuple[str, ...]:
    """The shorter forms that may stand for a long form in an article: its last words (a
    surname, "amir-abdollahian") and, for a name of two or three words, the first word (a
    first name, "hossein"). None for a key that is no long form: one word, a country, a
    name joined by "of" ("bank of america") or ending in a kind word ("kansas city")."""
    parts = key.split(" ")
    if (
        not 1 < len(parts) <= 4
        or any(p in ("of", "for", "the", "&") for p in parts)
        or parts[-1] in _ORGANISATION_WORDS
        or parts[-1] in _PLACE_WORDS
        or key in _COUNTRY_KEYS
        or parts[0] in _COUNTRY_BY_FOLD
    ):
        return ()
    suffixes = tuple(" ".join(parts[i:]) for i in range(1, len(parts)))
    return (*suffixes, parts[0]) if len(parts) <= 3 else suffixes


_COUNTRY_KEYS = frozenset(_fold(c) for c in COUNTRIES)


def _mergeable(key: str, name: _Name) -> bool:
    """Countries and acronyms stay themselves."""
    return key not in _COUNTRY_KEYS and not all(s.isupper() for s in name.surfaces)


def _article_merges(names: dict[str, _Name]) -> dict[str, str]:
    """Short form -> the long form it merges into within the article (of several, the
    one mentioned most)."""
    options: dict[str, list[str]] = {}
    for key in names:
        for short in _short_forms(key):
            if short in names:
                options.setdefault(short, []).append(key)
    merges: dict[str, str] = {}
    for short, longs in options.items():
        if not _mergeable(short, names[short]):
            continue
        # A first word merges only into a long form printed at least as often as it is alone:
        # "Hossein" once beside "Hossein Amir-Abdollahian", never "Google" printed 30 times
        # beside "Google Instant" twice.
        alone = sum(names[short].printed.values())
        longs = [
            k for k in longs if k.endswith(" " + short) or sum(names[k].printed.values()) >= alone
        ]
        if longs:
            merges[short] = max(longs, key=lambda k: (names[k].weight, k))
    return merges


def _merge_in_article(
    names: dict[str, _Name], mapping: dict[str, str], merges: dict[str, str] | None = None
) -> dict[str, _Name]:
    """Stage 4 within one article: a short form merges into the long form found in the
    article (``merges``), else into the corpus's long form for it (``mapping``). The
    names given are not changed: a name that takes in another is a copy (the memo of a
    cached build keeps the names as resolved)."""
    if merges is None:
        merges = _article_merges(names)
    moved: dict[str, str] = {}
    moving = [k for k in names if k in merges or k in mapping]
    if not moving:
        return names
    names = dict(names)
    copied: set[str] = set()
    for key in sorted(moving, key=lambda k: (-k.count(" "), k)):
        name = names[key]
        target = merges.get(key) or (
            mapping[key] if key in mapping and _mergeable(key, name) else key
        )
        while target in moved:
            target = moved[target]
        if target == key:
            continue
        moved[key] = target
        del names[key]
        into = names.get(target)
        if into is None:
            into = names[target] = _Name(first=name.first)
            copied.add(target)
        elif target not in copied:
            into = names[target] = into.copy()
            copied.add(target)
        into.absorb(name)
        if target.endswith(" " + key):
            into.hints += _HINT_UNIT["surname"]
    return names


def _corpus_mapping(articles: Iterable[tuple[dict[str, _Name], dict[str, str]]]) -> dict[str, str]:
    """Short form -> the long form the corpus shows for it: the one that articles printing
    both merge it into (twice as often as any other), in at least MERGE_MIN_SHARE of as
    many articles as print the short form alone, and printed in at least two articles
    ("Obama" -> "Barack Obama", but not "Washington" -> "George Washington")."""
    merged: dict[str, Counter[str]] = defaultdict(Counter)
    alone: Counter[str] = Counter()
    df: Counter[str] = Counter()
    for names, merges in articles:
        df.update(names.keys())
        for key in names:
            target = merges.get(key)
            if target is None:
                alone[key] += 1
            elif target.endswith(" " + key):
                merged[key][target] += 1
    mapping: dict[str, str] = {}
    for short, targets in merged.items():
        ranked = sorted(targets, key=lambda k: (-targets[k], k))
        best = ranked[0]
        if len(ranked) > 1 and targets[best] < 2 * targets[ranked[1]]:
            continue
        if df[best] >= 2 and alone[short] and targets[best] >= MERGE_MIN_SHARE * alone[short]:
            mapping[short] = best
    return mapping


# Kind hints from a name's contexts, counted in one int, 32 bits each (adding two packed
# counts adds each hint's count): strong ones decide alone, weak ones need two votes.
_HINTS = ("title", "surname", "place", "said", "in")
_HINT_UNIT = {hint: 1 << (32 * index) for index, hint in enumerate(_HINTS)}


def _unpack_hints(packed: int) -> dict[str, int]:
    """Hint -> count from packed hint counts."""
    return {hint: (packed >> (32 * i)) & 0xFFFFFFFF for i, hint in enumerate(_HINTS)}


def _kind(key: str, surface: str, packed_hints: int) -> str:
    """place, person, organisation or name, from the name's words and its contexts: a
    country, a last word like "University" or "River", an acronym; else a title before
    it or its surname used alone (person) against a dateline (place); else "said" after
    it (for a name of two or three words: person) against "in" before it (place), at
    least twice; the side with more votes wins, a tie gives "name"."""
    if key in _COUNTRY_KEYS:
        return "place"
    parts = key.split(" ")
    if parts[-1] in _ORGANISATION_WORDS or (len(parts) > 2 and parts[0] in _ORGANISATION_WORDS):
        return "organisation"
    if parts[-1] in _PLACE_WORDS:
        return "place"
    if _is_acronym(surface):
        return "organisation"
    hints = _unpack_hints(packed_hints)
    person, place = hints["title"] + hints["surname"], hints["place"]
    if person + place == 0:
        person, place = (hints["said"] if 1 < len(parts) < 4 else 0), hints["in"]
        if max(person, place) < 2:
            return "name"
    if person > place:
        return "person"
    return "place" if place > person else "name"


# --- the tagger -------------------------------------------------------------------------------


def _best_surface(surfaces: dict[str, int]) -> str:
    """The form printed most often; on a tie the one not in capitals, then by spelling."""
    return min(surfaces, key=lambda s: (-surfaces[s], s.isupper(), s))


def _by_score(scored: tuple[float, str, _Name]) -> float:
    """Best score first."""
    return -scored[0]


def _by_printed(labelled: tuple[tuple[str, str], _Name]) -> str:
    """By the printed name."""
    return labelled[0][0]


class EntityTagger:
    """Fit once on the whole corpus (document frequencies, variant merging), then tag each
    article."""

    def __init__(
        self,
        documents: Iterable[tuple[str, str]] = (),
        memo: ArticleMemo | None = None,
        keys: Sequence[str] | None = None,
        readings: dict[int, Any] | None = None,
    ) -> None:
        self._evidence = _Evidence()
        self._articles: dict[tuple[str, str], dict[str, _Name]] = {}
        self._mapping: dict[str, str] = {}
        self._by_key: dict[str, list[_Name]] = defaultdict(list)  # a name in each article
        self._labels: dict[str, tuple[str, str]] = {}
        self._idf: dict[str, float] = {}
        self._shared: set[str] = set()  # short forms merged into different long forms
        self._documents = 0
        self.articles_read = 0  # read in this fit, not taken from the memo
        self.articles_resolved = 0  # their names resolved in this fit
        with collection_paused():
            self._fit(list(documents), memo, keys, dict(readings or {}))

    def _fit(
        self,
        documents: list[tuple[str, str]],
        memo: ArticleMemo | None,
        keys: Sequence[str] | None,
        readings: dict[int, Any],
    ) -> None:
        """Read every article, gather the corpus's case evidence, resolve and merge names.

        With a `memo` (a ``broadsheet.buildcache.Memo``; `keys` are the documents'
        `article_key`), what an earlier build learnt of an article is kept: its reading
        (the case evidence it gives) and its resolved names with the questions stage 3
        asked of the corpus for them. The names stand while every answer does, so an
        article is read and resolved again only when it is new, edited, or the corpus's
        evidence changed an answer it relied on; the names are those a fit without the
        memo finds. `readings` are articles already read (`read_articles`, by index in
        `documents`), taken instead of reading them again.

        1. Each article's case evidence (capitalised words, names in running text, length),
           reading the articles the memo does not have.
        2. The corpus's lower-case words, on its first articles.
        3. Each article's names (stage 3), its own merges (stage 4) and the corpus's.
        """
        evidence = self._evidence
        if memo is not None and keys is None:
            keys = [article_key(title, body) for title, body in documents]
        stored: list[tuple | None] = []
        read: dict[int, _Article] = {}
        lengths: list[int] = []
        for index, (title, body) in enumerate(documents):  # 1
            entry = memo.get(keys[index]) if memo is not None else None
            if entry is None:
                article = readings.pop(index, None) or _read_article(title, body)
                read[index] = article
                capitalised, words, known = (
                    article.capitalised,
                    article.words,
                    article.known_keys(),
                )
            else:
                capitalised, words, known, _asked, _names, _merges = entry
            stored.append(entry)
            evidence.capital.update(capitalised)
            evidence.known.update(known)
            lengths.append(words)
        self.articles_read = len(read)
        sampled = 0  # 2
        count = 0
        while count < len(lengths) and sampled < LOWER_SAMPLE_WORDS:
            sampled += lengths[count]
            count += 1
        evidence.lower = self._lower_sample(documents[:count], memo, keys and keys[:count])
        evidence.lower_scale = sum(lengths) / sampled if sampled else 1.0
        changed = evidence.changed_answers(e[_ASKED] for e in stored if e is not None)
        grouped = []
        for index, entry in enumerate(stored):  # 3
            if entry is not None and changed.isdisjoint(entry[_ASKED]):
                *_evidence, _asked, columns, merges = entry
                names = _names_from_columns(columns)
            else:
                article = read.pop(index, None) or _read_article(*documents[index])
                names, merges = self._resolve_article(article, memo, keys and keys[index])
            grouped.append((documents[index], names, merges))
        read.clear()
        self._mapping = _corpus_mapping((names, merges) for _, names, merges in grouped)
        targets: dict[str, set[str]] = defaultdict(set)
        for _, _, merges in grouped:
            for short, target in merges.items():
                targets[short].add(target)
        self._shared = {short for short, into in targets.items() if len(into) > 1}
        by_key = self._by_key
        for doc, names, merges in grouped:
            merged = _merge_in_article(names, self._mapping, merges)
            self._articles[doc] = merged
            for key, name in merged.items():
                by_key[key].append(name)
        self._documents = len(documents)

    @staticmethod
    def _lower_sample(
        documents: list[tuple[str, str]], memo: ArticleMemo | None, keys: Sequence[str] | None
    ) -> Counter[str]:
        """The lower-case words of the sampled articles (from the memo when it has them)."""
        memo_key = "lower-sample:" + digest_of(*keys) if memo is not None else None
        lower = memo.get(memo_key) if memo is not None else None
        if lower is None:
            lower = Counter()
            for title, body in documents:
                lower.update(_LOWER_WORD_RE.findall(title + "\n" + body))
            if memo is not None:
                memo.put(memo_key, lower)
        return lower

    def _resolve_article(
        self, article: _Article, memo: ArticleMemo | None, key: str | None
    ) -> tuple[dict[str, _Name], dict[str, str]]:
        """Stage 3 and the article's own merges; kept in the memo with the questions asked."""
        evidence = self._evidence
        evidence.asked = [] if memo is not None else None
        names = _collect(_resolve(article, evidence))
        merges = _article_merges(names)
        self.articles_resolved += 1
        if memo is not None:
            asked = tuple(dict.fromkeys(evidence.asked))
            evidence.asked = None
            entry = (
                tuple(article.capitalised),
                article.words,
                tuple(article.known_keys()),
                asked,
                _names_to_columns(names),
                merges,
            )
            memo.put(key, entry)
        return names, merges

    def _names(self, title: str, body: str) -> dict[str, _Name]:
        """An article's merged names: from the fit, or read now for a new article."""
        cached = self._articles.get((title, body))
        if cached is not None:
            return cached
        article = _read_article(title, body)
        return _merge_in_article(_collect(_resolve(article, self._evidence)), self._mapping)

    def _label(self, key: str, name: _Name) -> tuple[str, str] | None:
        """The name as the corpus prints it most often, and its kind (see `_printed_as`)."""
        label = self._labels.get(key)
        if label is not None:
            return label
        occurrences = self._by_key.get(key) or [name]
        surfaces: dict[str, int] = {}
        printed: dict[str, int] = {}
        hints = 0
        get_surface, get_printed = surfaces.get, printed.get
        for occurrence in occurrences:  # `_add`, inline: a name in many articles
            for form, count in occurrence.surfaces.items():
                surfaces[form] = get_surface(form, 0) + count
            for form, count in occurrence.printed.items():
                printed[form] = get_printed(form, 0) + count
            hints += occurrence.hints
        if not surfaces:
            return None
        kind = _kind(key, _best_surface(surfaces), hints)
        if kind == "person":
            # A person's tag is their name in full, as readers look it up ("Kiprono
            # Chebet", not "Chebet"), however often the articles use the surname alone.
            full = max(surfaces, key=lambda f: (f.count(" ") + f.count("-"), surfaces[f], f))
            label = (full, kind)
        else:
            label = (self._printed_as(key, surfaces, printed), kind)
        if key in self._by_key:
            self._labels[key] = label
        return label

    def _printed_as(self, key: str, surfaces: dict[str, int], printed: dict[str, int]) -> str:
        """The form of a name the corpus prints most often, counting every mention, its
        merged variants' included: a person's surname when the articles call them by it
        ("Kutcher" for "Ashton Kutcher" ... "Kutcher"), a country's name as printed
        ("Swaziland", "Britain"; never a demonym). A variant that is a tag of its own or
        stands for different long forms in different articles is not used ("Collins" for
        David and Michael Collins): the name's own form is. Acronyms lose their dots."""
        country = key in _COUNTRY_KEYS
        counts: dict[str, int] = {}
        for form, count in printed.items():
            words = tuple(form.split(" "))
            folded = _key(words)
            if country:
                if folded in _DEMONYMS or _identity(words)[1] != key:
                    continue
            elif form not in surfaces and (
                folded == key or folded in self._by_key or folded in self._shared
            ):
                continue  # an alias ("N.Y."), or a variant that is no safe label
            undotted = " ".join(_undotted(w) for w in words)
            counts[undotted] = counts.get(undotted, 0) + count
        if not counts:
            return _best_surface(surfaces)
        # On a tie, the name's own form, then the longer one ("Teodora Vashchenko" over
        # "Teodora" and "Vashchenko" printed once each), then `_best_surface`'s order.
        return min(
            counts,
            key=lambda f: (-counts[f], f not in surfaces, -f.count(" "), f.isupper(), f),
        )

    def tags(
        self,
        title: str,
        body: str,
        limit: int = 6,
        min_score: float = 0.0,
        kinds: Collection[str] | None = None,
    ) -> list[EntityTag]:
        """The article's best proper-name tags, best first (ties by name)."""
        names = self._names(title, body)
        if not names or limit <= 0:
            return []
        last = max([n.first for n in names.values()]) or 1
        idf, log = self._idf, math.log
        scored = []
        for key, name in names.items():
            rarity = idf.get(key)
            if rarity is None:
                rarity = idf[key] = self._idf_of(key)
            # Stage 5: position-weighted frequency, a bonus for an early first mention,
            # times idf.
            position = 1.0 + FIRST_MENTION_BONUS * (1.0 - name.first / last)
            scored.append((round((1.0 + log(name.weight)) * position * rarity, 6), key, name))
        scored.sort(key=_by_score)
        tags: list[EntityTag] = []
        seen: set[str] = set()
        labels = self._labels
        count = len(scored)
        start = 0
        # Walk down the scores; names are labelled (printed, kind) only as they are reached,
        # and a run of equal scores is ordered by the printed name.
        while start < count and len(tags) < limit:
            score = scored[start][0]
            if score < min_score:
                break
            end = start + 1
            while end < count and scored[end][0] == score:
                end += 1
            tied = []
            for _score, key, name in scored[start:end]:
                label = labels.get(key) or self._label(key, name)
                if label is not None and (kinds is None or label[1] in kinds):
                    tied.append((label, name))
            if len(tied) > 1:
                tied.sort(key=_by_printed)
            for (printed, kind), name in tied:
                if printed in seen:
                    continue
                seen.add(printed)
                forms = name.printed
                if len(forms) == 1:
                    forms = tuple(forms)
                else:
                    forms = tuple(sorted(forms, key=lambda f, n=forms: (-n[f], f)))
                tags.append(EntityTag(printed, kind, score, forms))
                if len(tags) == limit:
                    break
            start = end
        return tags

    def _idf_of(self, key: str) -> float:
        """Rarity across the corpus: log((documents + 1) / (df + 1)) + 1."""
        occurrences = self._by_key.get(key)
        df = len(occurrences) if occurrences else 0
        return math.log((self._documents + 1) / (df + 1)) + 1.0


class ArticleMemo(Protocol):
    """Where a fit keeps what it learnt of each article for the next build (a
    ``broadsheet.buildcache.Memo``).

    By `article_key`, a tuple: the article's folded capitalised words, its length in
    words, the keys of the names it prints in running text (its case evidence), the
    questions stage 3 asked with their answers, its names (`_names_to_columns`) and its
    own merges. Plain tuples, dicts and strings only: they load fast, and a pickle never
    names a class of this module (a renamed class would make old memos fail to load)."""

    def get(self, key: Hashable, default: Any = None) -> Any: ...

    def put(self, key: Hashable, value: Any) -> None: ...


def read_articles(documents: Sequence[tuple[str, str]], indices: Iterable[int]) -> dict:
    """What `EntityTagger` reads of each (title, body) in `documents` at `indices`, by index:
    its ``readings``, worked out apart (in another process, say: they pickle)."""
    return {index: _read_article(*documents[index]) for index in indices}


def article_key(title: str, body: str) -> str:
    """An article's key in a fit's memo: a hash of exactly what the tagger reads."""
    return digest_of(title, body)


def find_names(text: str) -> list[str]:
    """Proper-name spans as printed, in order, one per mention (titles, possessives and
    hyphenated modifiers cut off: "Pakistan’s" -> "Pakistan", "Mr Kakar" -> "Kakar")."""
    article = _read_article("", text)
    resolved: dict[int, list[str]] = defaultdict(list)
    for words, candidate in _resolve(article, _Evidence()):
        resolved[id(candidate)].append(" ".join(words))
    return [name for candidate in article.mentions for name in resolved.get(id(candidate), ())]
