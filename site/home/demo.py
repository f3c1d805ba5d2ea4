"""Demo content of the site pages: the home page's introduction and the first text of the
open Espresso format. Idempotent: a page that already has content is left as it is."""

from wagtail.rich_text import RichText

from .services import SiteTree, site_tree_ensure

HOME_INTRO = (
    "<p>Espresso is a network of coworking spaces, FabLabs and sharing spaces in Italy and "
    "beyond. It began as a national <b>non-conference on coworking</b> and became an open "
    "format: any space can host workshops, meetups and unconference days under a shared, "
    "hackable format. One member account works everywhere: find events across the network, "
    "register (free or with credits) and meet the people who make the spaces.</p>"
)

FORMAT_LEAD = (
    "<p>An Espresso day is an <i>unconference</i>: the people in the room write the programme "
    "on the morning itself. This page describes how such a day runs, so that any space of the "
    "network, or outside it, can host one. Copy it, adapt it, and tell the network what you "
    "changed.</p>"
)

FORMAT_LICENCE = (
    "<p>This text belongs to everyone who runs Espresso days. It is published under the "
    '<a href="https://creativecommons.org/licenses/by-sa/4.0/">Creative Commons '
    "Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0)</a>: you may copy, adapt "
    "and share it, also commercially, provided you credit the Espresso network and share your "
    "version under the same licence.</p>"
)

# (block type, value): headings are plain text, paragraphs are rich-text HTML.
FORMAT_BODY: list[tuple[str, str | dict]] = [
    ("heading", "Why an unconference"),
    ("paragraph",
     "<p>Most conferences decide months in advance who speaks and who listens. An Espresso "
     "day turns this around: everyone who comes is a possible speaker, and the agenda is "
     "built in the first hour from what the participants actually want to share, ask or "
     "build. The format borrows from Open Space Technology and from the BarCamps, and it has "
     "been tested in coworking spaces, FabLabs and libraries since the first national "
     "<i>non-conference</i> on coworking.</p>"
     "<p>It works with twelve people or with two hundred. What it needs is a host space, a "
     "theme broad enough to invite very different contributions, a facilitator and a wall.</p>"),
    ("heading", "Before the day"),
    ("paragraph",
     "<ul>"
     "<li><b>A theme as a question.</b> “How do we work together when we do not work for the "
     "same company?” invites more than “Coworking 2026”.</li>"
     "<li><b>Rooms and time slots.</b> Count the spaces where a group of five to twenty "
     "people can talk without disturbing another group: meeting rooms, the kitchen, a "
     "corner of the open space, the courtyard. Plan slots of 45 minutes with 15-minute "
     "breaks. Rooms times slots is the size of your programme.</li>"
     "<li><b>The wall.</b> Draw the grid on a large wall or on paper: rooms as columns, "
     "slots as rows. Prepare A4 sheets, thick markers, tape and coloured dots for "
     "voting.</li>"
     "<li><b>Registration.</b> Publish the event on Espresso, with its capacity, so that "
     "the waiting list and the calendar feeds work by themselves. Ask for dietary needs "
     "and access requirements, not for talk proposals: those come on the day.</li>"
     "<li><b>Roles.</b> One facilitator who holds the time and the space, one person at "
     "the welcome desk, and volunteers who will take notes.</li>"
     "</ul>"),
    ("heading", "The opening circle"),
    ("paragraph",
     "<p>Chairs in a circle, no stage, no slides. The facilitator welcomes everyone, "
     "states the theme and explains how the day works in ten minutes. Everyone says their "
     "name and one sentence about why they came: with many people, a sentence each is "
     "enough and is the quickest way to show that every voice counts.</p>"
     "<p>The facilitator then reads the four principles:</p>"
     "<ol>"
     "<li>Whoever comes are the right people.</li>"
     "<li>Whatever happens is the only thing that could have happened.</li>"
     "<li>Whenever it starts is the right time.</li>"
     "<li>When it is over, it is over.</li>"
     "</ol>"),
    ("heading", "The marketplace of proposals"),
    ("paragraph",
     "<p>Anyone with something to offer walks to the centre, writes a proposal on a sheet "
     "(a short title, their name, and the kind of session: talk, discussion, workshop, "
     "demo, question), pitches it in thirty seconds and tapes it in a free cell of the "
     "grid. A question is as welcome as an answer: “I don't know how to price a day "
     "pass, who does?” is a perfectly good session.</p>"
     "<p>When the proposals stop, everyone walks along the wall and puts a dot on the "
     "sessions they want to attend. The facilitator and the proposers then move sheets "
     "around: similar proposals merge, popular sessions get the bigger rooms, and two "
     "sessions that the same people want are moved to different slots. After about forty "
     "minutes the wall is the programme; a volunteer copies it onto the event's session "
     "board on Espresso so that it is visible on phones and to the people arriving "
     "later.</p>"),
    ("heading", "The programme on Espresso, phase by phase"),
    ("paragraph",
     "<p>The wall has a copy on Espresso that phones and the projector can follow. The "
     "organiser moves the event's programme through six phases:</p>"
     "<ol>"
     "<li><b>Closed</b>: rooms (with their capacity and equipment) and time slots are "
     "prepared; nobody else sees the programme yet.</li>"
     "<li><b>Proposals open</b>: every registered participant may propose sessions (a talk, "
     "a workshop, a discussion, a demo), with co-hosts, one or two slots long, saying "
     "whether it needs a projector, a whiteboard or a quiet room.</li>"
     "<li><b>Voting open</b>: each participant puts their dots (three by default) on the "
     "sessions they want to attend; proposals may still arrive.</li>"
     "<li><b>Programme published</b>: the grid is filled, by hand or by the automatic "
     "scheduler, which gives the most wanted sessions rooms big enough, keeps sessions "
     "that the same people want apart, never puts a host in two places and never moves a "
     "pinned session. The live board, the printable grid and the calendars show it.</li>"
     "<li><b>Running</b>: the board highlights what is on now and next; hosts and "
     "participants take notes in each session's page.</li>"
     "<li><b>Archived</b>: the organiser publishes the outcomes, every session with its "
     "notes and attendance, and the hosts earn their credits.</li>"
     "</ol>"),
    ("heading", "Sessions in rooms and time slots"),
    ("paragraph",
     "<p>Whoever proposed a session hosts it: they open it, keep it on topic and close it "
     "on time, but they are not required to lecture. The best sessions are conversations "
     "in which the host talks for less than a third of the time. Each session chooses a "
     "note-taker in its first minute.</p>"
     "<p>Sessions start and end on the bell. Breaks are part of the programme: many of the "
     "most useful conversations of the day happen by the coffee machine.</p>"),
    ("heading", "The law of two feet"),
    ("quote", {
        "text": "If at any time you find yourself in a situation where you are neither "
                "learning nor contributing, use your two feet: go somewhere else.",
        "author": "Harrison Owen, Open Space Technology",
    }),
    ("paragraph",
     "<p>Walking out of a session is not rude, it is the rule: it keeps every session full "
     "of people who want to be there. Some participants move between sessions all day and "
     "cross-pollinate them (the <i>bumblebees</i>); others sit in the garden and start "
     "conversations nobody planned (the <i>butterflies</i>). Both are welcome.</p>"),
    ("heading", "The closing circle"),
    ("paragraph",
     "<p>At the end of the day everyone returns to the circle. Each person says one thing "
     "they take home, a contact they made, or a next step; with a large group, a talking "
     "object passed around keeps it short. The hosts of the space are thanked, "
     "volunteers are named, and the date of the next Espresso day in the network is "
     "announced if there is one.</p>"),
    ("heading", "Harvesting the notes"),
    ("paragraph",
     "<p>An unconference without notes is forgotten in a week. Every session's note-taker "
     "fills in the same short template:</p>"
     "<ul>"
     "<li>title, host and the number of participants;</li>"
     "<li>the three to five key points;</li>"
     "<li>open questions and next steps, with who takes them on;</li>"
     "<li>links and contacts that participants agreed to share.</li>"
     "</ul>"
     "<p>The notes and a photograph of the wall are published on the event page within a "
     "week. Session hosts, note-takers and volunteers earn credits that they can spend in "
     "any space of the network: the people who make the day possible are paid in the "
     "network's own currency.</p>"),
    ("heading", "Share and adapt"),
    ("paragraph",
     "<p>This format is deliberately hackable. Run it in half a day, in two languages, "
     "outdoors, or as a series of evening meetups; change the principles if your community "
     "needs different ones. When you do, publish your version and let the network know, so "
     "that the next host can learn from it.</p>"),
]


def _stream_value(items: list[tuple[str, str | dict]]) -> list[tuple[str, object]]:
    return [(kind, RichText(value) if kind == "paragraph" else value) for kind, value in items]


def load_home_demo() -> SiteTree:
    """Build the page tree and give the home and format pages their first content.

    Pages that already have content (an editor's, or a previous run's) are not touched, so
    running it twice creates nothing new."""
    tree = site_tree_ensure()
    home = tree.home
    if not home.intro:
        home.intro = HOME_INTRO
        home.save_revision().publish()
    format_page = tree.format
    if not format_page.body:
        format_page.lead = FORMAT_LEAD
        format_page.body = _stream_value(FORMAT_BODY)
        format_page.licence = FORMAT_LICENCE
        format_page.save_revision().publish()
    return tree
