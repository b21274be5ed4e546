"""What travels with a page: JSON-LD against schema.org, og:image, feeds' photos and quotes."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import pytest
from test_media import camera_jpeg, upload

from blog import actions
from blog.models import BlogStatus, Role

# A slice of the schema.org vocabulary (schema.org/docs/full.html): each type's parent, and
# for each property the types it is defined on (domainIncludes) and the types of its
# values (rangeIncludes; "Text", "URL", "Date", "DateTime" and "Number" are plain values).
PARENT = {
    "CreativeWork": "Thing",
    "Article": "CreativeWork",
    "SocialMediaPosting": "Article",
    "BlogPosting": "SocialMediaPosting",
    "LiveBlogPosting": "BlogPosting",
    "WebPage": "CreativeWork",
    "MediaObject": "CreativeWork",
    "ImageObject": "MediaObject",
    "Quotation": "CreativeWork",
    "Person": "Thing",
    "Organization": "Thing",
    "Event": "Thing",
    "Place": "Thing",
    "Thing": None,
}
PROPERTIES = {
    "name": ({"Thing"}, {"Text"}),
    "description": ({"Thing"}, {"Text"}),
    "url": ({"Thing"}, {"URL"}),
    "image": ({"Thing"}, {"ImageObject", "URL"}),
    "mainEntityOfPage": ({"Thing"}, {"CreativeWork", "URL"}),
    "headline": ({"CreativeWork"}, {"Text"}),
    "datePublished": ({"CreativeWork"}, {"Date", "DateTime"}),
    "dateModified": ({"CreativeWork"}, {"Date", "DateTime"}),
    "author": ({"CreativeWork"}, {"Organization", "Person"}),
    "publisher": ({"CreativeWork"}, {"Organization", "Person"}),
    "creator": ({"CreativeWork"}, {"Organization", "Person"}),
    "about": ({"CreativeWork", "Event"}, {"Thing"}),
    "keywords": ({"CreativeWork", "Event", "Organization", "Place"}, {"Text", "URL"}),
    "hasPart": ({"CreativeWork"}, {"CreativeWork"}),
    "text": ({"CreativeWork"}, {"Text"}),
    "articleBody": ({"Article"}, {"Text"}),
    "sharedContent": ({"SocialMediaPosting"}, {"CreativeWork"}),
    "coverageStartTime": ({"LiveBlogPosting"}, {"DateTime"}),
    "coverageEndTime": ({"LiveBlogPosting"}, {"DateTime"}),
    "liveBlogUpdate": ({"LiveBlogPosting"}, {"BlogPosting"}),
    "contentUrl": ({"MediaObject"}, {"URL"}),
    "width": ({"MediaObject"}, {"Number"}),
    "height": ({"MediaObject"}, {"Number"}),
    "caption": ({"ImageObject"}, {"Text"}),
    "jobTitle": ({"Person"}, {"Text"}),
    "worksFor": ({"Person"}, {"Organization"}),
    "startDate": ({"Event"}, {"Date", "DateTime"}),
    "endDate": ({"Event"}, {"Date", "DateTime"}),
    "location": ({"Event", "Organization"}, {"Place", "Text"}),
    "address": ({"Place", "Organization", "Person"}, {"Text"}),
}
# What Google's live-blog result requires of the posting and of each update.
GOOGLE_LIVE_BLOG = {"headline", "coverageStartTime", "coverageEndTime", "liveBlogUpdate"}
GOOGLE_UPDATE = {"headline", "datePublished", "articleBody"}
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def lineage(kind: str) -> set[str]:
    found = set()
    while kind:
        found.add(kind)
        kind = PARENT[kind]
    return found


def vocabulary_problems(node, path="$") -> list[str]:
    """Unknown types, properties used off their types, and values of the wrong type."""
    if isinstance(node, list):
        return [p for i, n in enumerate(node) for p in vocabulary_problems(n, f"{path}[{i}]")]
    if not isinstance(node, dict):
        return []
    kind = node.get("@type")
    if kind not in PARENT:
        return [f"{path}: unknown type {kind!r}"]
    problems = []
    for prop, value in node.items():
        if prop.startswith("@"):
            continue
        if prop not in PROPERTIES:
            problems.append(f"{path}.{prop}: not a property we know schema.org to have")
            continue
        domains, ranges = PROPERTIES[prop]
        if not domains & lineage(kind):
            problems.append(f"{path}.{prop}: not a property of {kind}")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and not ranges & lineage(item.get("@type", "")):
                problems.append(f"{path}.{prop}: a {item.get('@type')} where {ranges} go")
        problems += vocabulary_problems(value, f"{path}.{prop}")
    return problems


class _LdScripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.blocks, self._in = [], False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "script" and ("type", "application/ld+json") in attrs

    def handle_data(self, data):
        if self._in:
            self.blocks.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in = False


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def json_ld(html: str) -> dict:
    parser = _LdScripts()
    parser.feed(html)
    assert len(parser.blocks) == 1
    return parser.blocks[0]


def blog_path(blog) -> str:
    return f"/e/{blog.event.slug}/{blog.slug}/"


@pytest.fixture
def covered(make_blog, make_entry, make_user):
    """A live blog with a text update, a quote, a photo and a link card."""
    blog = make_blog()
    reporter = make_user(Role.REPORTER, events=[blog.event])
    speaker = actions.add_speaker(blog.event, "Inés Valbuena", "CTO", "Aurora Devices")
    photo = upload(
        reporter, blog, camera_jpeg(), alt="The stage before the keynote", caption="Hall 3"
    )
    entries = {
        "text": make_entry(blog, reporter, source="Doors are open.", headline="Doors"),
        "quote": make_entry(
            blog, reporter, source="Networks heal.", kind="quote", speaker_id=speaker.id
        ),
        "photo": make_entry(blog, reporter, source="Full house", kind="image", media_id=photo.id),
        "card": make_entry(
            blog,
            reporter,
            source="",
            kind="embed",
            embed_url="https://youtu.be/dQw4w9WgXcQ",
            embed_title="The keynote, in full",
        ),
    }
    return blog, entries, photo


def test_json_ld_fits_schema_org_and_googles_live_blog(client, covered, editor):
    blog, entries, _ = covered
    data = json_ld(page(client, blog_path(blog)))
    assert data["@context"] == "https://schema.org" and data["@type"] == "LiveBlogPosting"
    assert vocabulary_problems(data) == []
    assert set(data) >= GOOGLE_LIVE_BLOG
    for item in data["liveBlogUpdate"]:
        assert set(item) >= GOOGLE_UPDATE and all(item[k] for k in GOOGLE_UPDATE), item
        assert ISO_DATETIME.match(item["datePublished"])
    assert ISO_DATETIME.match(data["coverageStartTime"])
    # While live, coverage ends when the event's last day does, in the venue's timezone.
    assert data["coverageEndTime"] == "2027-03-05T00:00:00+01:00"
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Showfloor",
        "url": "http://localhost/",
    }
    actions.set_blog_status(editor, blog.id, BlogStatus.ENDED)
    ended = json_ld(page(client, blog_path(blog)))
    assert vocabulary_problems(ended) == []
    assert ISO_DATETIME.match(ended["coverageEndTime"])
    assert ended["coverageEndTime"] >= ended["coverageStartTime"]


def test_each_update_names_its_author_photo_speaker_and_link(client, covered):
    blog, entries, _ = covered
    updates = {
        u["url"].rsplit("/", 1)[1]: u
        for u in json_ld(page(client, blog_path(blog)))["liveBlogUpdate"]
    }
    quote = updates[str(entries["quote"].id)]
    assert quote["headline"] == "Inés Valbuena: “Networks heal.”"
    assert quote["hasPart"]["@type"] == "Quotation"
    assert quote["hasPart"]["creator"] == {
        "@type": "Person",
        "name": "Inés Valbuena",
        "jobTitle": "CTO",
        "worksFor": {"@type": "Organization", "name": "Aurora Devices"},
    }
    photo = updates[str(entries["photo"].id)]["image"]
    assert (
        photo["@type"] == "ImageObject" and photo["description"] == "The stage before the keynote"
    )
    assert photo["contentUrl"].startswith("http://localhost/media/")
    card = updates[str(entries["card"].id)]
    assert card["sharedContent"]["url"] == "https://youtu.be/dQw4w9WgXcQ"
    assert card["headline"] == "The keynote, in full"
    assert all(u["author"]["@type"] == "Person" and u["author"]["name"] for u in updates.values())


def test_json_ld_text_cannot_end_its_script_element(client, make_blog, make_entry):
    blog = make_blog()
    make_entry(blog, source="x", headline="</script><script>alert(1)</script><!--")
    html = page(client, blog_path(blog))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block
    assert json.loads(block)["liveBlogUpdate"][0]["headline"].startswith("</script>")


def og_image(html: str) -> str | None:
    found = re.search(r'<meta property="og:image" content="([^"]+)">', html)
    return found.group(1) if found else None


def test_blog_pages_share_their_newest_photo_else_the_cover(client, covered, make_blog, editor):
    blog, entries, photo = covered
    html = page(client, blog_path(blog))
    image = og_image(html)
    assert image and image.startswith("http://localhost/media/")
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:image:alt" content="The stage before the keynote">' in html
    served = client.get(image.removeprefix("http://localhost"))
    served.close()
    assert served.status_code == 200
    assert json_ld(html)["image"]["contentUrl"] == image
    # Another blog of the event without photos: the event's cover, once it has one.
    bare = make_blog(blog.event)
    assert og_image(page(client, blog_path(bare))) is None
    event = blog.event
    data = actions.EventInput(
        name=event.name,
        slug=event.slug,
        starts_on="2027-03-01",
        ends_on="2027-03-04",
        timezone=event.timezone,
        cover_media_id=photo.id,
    )
    actions.save_event(editor, event.id, data)
    assert og_image(page(client, blog_path(bare))) == image


def test_a_photo_permalink_shares_its_photo(client, covered):
    blog, entries, _ = covered
    html = page(client, f"{blog_path(blog)}entries/{entries['photo'].id}")
    assert og_image(html).startswith("http://localhost/media/")
    text = page(client, f"{blog_path(blog)}entries/{entries['text'].id}")
    assert og_image(text) is None and '<meta name="twitter:card" content="summary">' in text


ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"


def test_feed_entries_carry_photos_quotes_and_cards(client, covered):
    blog, entries, _ = covered
    feed = ET.fromstring(client.get(f"{blog_path(blog)}feed.atom").get_data())
    by_id = {e.find(f"{ATOM}id").text.rsplit("/", 1)[1]: e for e in feed.findall(f"{ATOM}entry")}
    photo = by_id[str(entries["photo"].id)]
    enclosure = photo.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("type") == "image/webp"
    assert enclosure.get("href").startswith("http://localhost/media/")
    media = photo.find(f"{MEDIA}content")
    assert media.get("url") == enclosure.get("href") and media.get("medium") == "image"
    assert media.find(f"{MEDIA}description").text == "The stage before the keynote"
    content = photo.find(f"{ATOM}content").text
    assert 'alt="The stage before the keynote"' in content and "<figcaption>Hall 3" in content
    quote = by_id[str(entries["quote"].id)]
    assert quote.find(f"{ATOM}title").text == "Inés Valbuena: “Networks heal.”"
    assert "— Inés Valbuena" in quote.find(f"{ATOM}content").text
    card = by_id[str(entries["card"].id)]
    assert card.find(f"{ATOM}link[@rel='related']").get("href") == "https://youtu.be/dQw4w9WgXcQ"
    assert card.find(f"{ATOM}title").text == "The keynote, in full"
    assert '<a href="https://youtu.be/dQw4w9WgXcQ">YouTube: The keynote, in full</a>' in (
        card.find(f"{ATOM}content").text
    )
