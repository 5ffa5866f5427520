#!/usr/bin/env python3
"""Write a corpus of made-up news articles from several fake sites, with planted residue, for
`newsclean learn` (Python 3 standard library only; deterministic: the same arguments give the same
bytes).

Usage: make_sites.py OUT_DIR [--articles N] [--mb MB] [--sites K] [--seed S]

Writes OUT_DIR/<site>/<nnnnnn>.txt and OUT_DIR/planted.jsonl, one record per article:
  {"file": "<site>/<nnnnnn>.txt", "residue": [...], "good": [...]}
`residue` holds every planted residue item exactly as it stands in the file (a whole line, or the
glued trailer as it ends its line); `good` holds the planted lines that repeat across a site's
articles legitimately (a standard disclaimer inside the story, a boilerplate quote) and must stay.

Each site has its own header, byline block (`By <staff>` and a `Published: <date>` line),
related-link label before another story's headline, newsletter box (two lines, in the body), and
trailer (on its own line, or glued to the last sentence). Bodies are sentences drawn from word
lists, so that body lines do not repeat. --mb writes articles until the corpus holds about MB
megabytes (the articles count is then ignored; planted.jsonl is still written).
"""
import argparse
import json
import os
import random

SITES = [
    {
        "slug": "harbor-courier",
        "header": "The Harbor Courier \u2014 Local news since 1887",
        "staff": ["Jane Whitlock", "Omar Reyes", "Lena Park", "Tom Okafor"],
        "label": "MORE FROM THE COURIER:",
        "box": ["The Morning Tide", "Sign up for our daily newsletter and get the harbor's top stories in your inbox."],
        "trailer": "Tips? Write to newsdesk@harborcourier.example",
        "glued": None,
    },
    {
        "slug": "valley-ledger",
        "header": "VALLEY LEDGER | Business & Politics",
        "staff": ["Priya Nair", "Georg Halvorsen", "Ana Lucia Ferreira"],
        "label": "WATCH |",
        "box": ["Ledger Insider", "Join 40,000 readers: subscribe to the Ledger Insider briefing for free."],
        "trailer": None,
        "glued": "Follow the Ledger on Mastodon for more business news.",
    },
    {
        "slug": "northern-wire",
        "header": "Northern Wire",
        "staff": ["Staff Reporter", "Kari Lindqvist", "Mikael Strand", "Siobhan Doyle", "Arvid Holm"],
        "label": "ALSO ON NORTHERN WIRE:",
        "box": ["Never miss a story", "Download the Northern Wire app to get breaking news alerts on your phone."],
        "trailer": "Copyright Northern Wire Ltd. Distributed by NW Syndication.",
        "glued": None,
    },
    {
        "slug": "metro-dispatch",
        "header": "Metro Dispatch: the city, every day",
        "staff": ["Carmen Ortiz", "Ben Adeyemi", "Hannah Gross"],
        "label": "Don't miss:",
        "box": ["Dispatch Daily", "Get our best stories delivered to you every morning. Click here to sign up."],
        "trailer": "Have a story idea? Contact the Metro Dispatch newsroom at tips@metrodispatch.example",
        "glued": "Share this article with your friends on social media!",
    },
    {
        "slug": "coastal-times",
        "header": "COASTAL TIMES ONLINE",
        "staff": ["Rafael Santos", "Ingrid Bauer", "Kofi Mensah", "Yuki Tanaka"],
        "label": "Related coverage \u2013",
        "box": ["Coastal Times Weekend", "Our weekend edition, free in your inbox every Saturday: sign up today."],
        "trailer": "Coastal Times Online is published by Shoreline Media Group.",
        "glued": None,
    },
]

# Good lines that legitimately repeat inside a site's stories: a standard disclaimer placed in the
# story, and a boilerplate quote. They must never be removed.
GOOD = {
    "disclaimer": [
        "Figures are provisional and may be revised by the statistics office.",
        "The findings have not yet been peer reviewed.",
        "Anyone with information is asked to contact police on the non-emergency number.",
    ],
    "quote": [
        "\u201cWe take every report seriously and will continue to work with the authorities,\u201d a spokesperson for the company said.",
        "\u201cSafety remains our first priority,\u201d the port authority said in a statement.",
    ],
}

SUBJECTS = ["The council", "The mayor", "Local officials", "The harbor board", "Residents", "The company",
            "Investors", "The ministry", "Union leaders", "The school district", "Researchers", "The regulator",
            "Shop owners", "The transit agency", "Farmers", "The hospital trust", "Fishermen", "The court"]
VERBS = ["approved", "rejected", "postponed", "questioned", "announced", "reviewed", "criticised", "welcomed",
         "funded", "delayed", "examined", "proposed", "defended", "cancelled", "expanded", "audited"]
OBJECTS = ["a plan to rebuild the {n} bridge", "new limits on {n} traffic", "the budget for {n} schools",
           "a study of {n} water quality", "the sale of the {n} depot", "a tax on {n} parking",
           "repairs to the {n} seawall", "a bid to host the {n} festival", "the merger of two {n} clinics",
           "a survey of {n} housing", "plans for a {n} wind farm", "the closure of the {n} library"]
PLACES = ["north", "east", "old town", "riverside", "harbor", "hillside", "market", "station", "airport",
          "university", "western", "southern", "canal", "industrial", "lakeside", "central"]
TAILS = ["on Tuesday", "after a long debate", "despite protests", "for the second time this year",
         "in a close vote", "without comment", "after months of delay", "following complaints",
         "at a packed meeting", "ahead of the election", "by a wide margin", "earlier this week"]
EXTRA = ["The decision is expected to cost about {m} million.", "About {k} people attended the meeting.",
         "The work could begin as early as {month}.", "A final vote is planned for {month}.",
         "Critics said the plan would take {k} weeks longer than promised.",
         "The proposal was first made in {year}.", "Some {k} households would be affected.",
         "Officials estimated the savings at {m} million over ten years."]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
HEAD_WORDS = ["Council", "Harbor", "Budget", "Bridge", "Schools", "Ferry", "Storm", "Market", "Clinic",
              "Festival", "Union", "Court", "Depot", "Library", "Wind", "Housing", "Transit", "Port"]
HEAD_VERBS = ["backs", "rejects", "delays", "weighs", "faces", "wins", "loses", "plans", "halts", "opens"]


def sentence(rng):
    s = "%s %s %s %s." % (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS).format(n=rng.choice(PLACES)),
                          rng.choice(TAILS))
    if rng.random() < 0.6:
        s += " " + rng.choice(EXTRA).format(m=rng.randint(2, 900), k=rng.randint(20, 9000),
                                           month=rng.choice(MONTHS), year=rng.randint(1990, 2023))
    return s


def headline(rng):
    return "%s %s %s %s" % (rng.choice(HEAD_WORDS), rng.choice(HEAD_VERBS), rng.choice(PLACES), rng.choice(
        ["plan", "vote", "deal", "review", "project", "budget", "bid", "repairs"]))


def date(rng):
    return "%d %s 20%02d %02d:%02d" % (rng.randint(1, 28), rng.choice(MONTHS), rng.randint(15, 24),
                                       rng.randint(6, 22), rng.randint(0, 59))


def article(rng, site):
    """The article's text, its planted residue and its planted good lines."""
    residue, good = [], []
    lines = []
    lines.append(site["header"]); residue.append(site["header"])
    lines.append("")
    lines.append(headline(rng).title())
    byline = "By " + rng.choice(site["staff"])
    lines.append(byline); residue.append(byline)
    published = "Published: %s | Updated: %s" % (date(rng), date(rng))
    lines.append(published); residue.append(published)
    lines.append("")
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(5, 9))]
    body = []
    for k, p in enumerate(paragraphs):
        body.append(p)
        if k == 1 and rng.random() < 0.5:
            related = "%s %s" % (site["label"], headline(rng))
            body.append(related); residue.append(related)
        if k == 2 and rng.random() < 0.4:
            body.append("\n".join(site["box"])); residue.extend(site["box"])
        if k == 3 and rng.random() < 0.2:
            line = rng.choice(GOOD["disclaimer"])
            body.append(line); good.append(line)
        if k == 4 and rng.random() < 0.15:
            line = rng.choice(GOOD["quote"])
            body.append(line); good.append(line)
    if site["glued"] and rng.random() < 0.8:
        body[-1] = body[-1] + " " + site["glued"]
        residue.append(site["glued"])
    text = "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"
    if site["trailer"] and rng.random() < 0.9:
        text += "\n" + site["trailer"] + "\n"
        residue.append(site["trailer"])
    return text, residue, good


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--mb", type=float, default=None)
    ap.add_argument("--sites", type=int, default=len(SITES))
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sites = SITES[: max(1, min(args.sites, len(SITES)))]
    os.makedirs(args.out, exist_ok=True)
    for site in sites:
        os.makedirs(os.path.join(args.out, site["slug"]), exist_ok=True)
    limit = args.mb * 1e6 if args.mb else None
    total, n = 0, 0
    with open(os.path.join(args.out, "planted.jsonl"), "w", encoding="utf-8") as planted:
        while (total < limit) if limit else (n < args.articles):
            site = sites[n % len(sites)]
            text, residue, good = article(rng, site)
            name = "%s/%06d.txt" % (site["slug"], n // len(sites))
            data = text.encode("utf-8")
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(data)
            planted.write(json.dumps({"file": name, "residue": residue, "good": good}, ensure_ascii=False) + "\n")
            total += len(data)
            n += 1
    print("%d articles, %d bytes, %d sites in %s" % (n, total, len(sites), args.out))


if __name__ == "__main__":
    main()
