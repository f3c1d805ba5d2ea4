"""StreamField blocks for event descriptions: text, images, agenda, speakers."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class AgendaItemBlock(blocks.StructBlock):
    time = blocks.TimeBlock(label=_("Time"))
    title = blocks.CharBlock(max_length=200, label=_("What"))
    description = blocks.TextBlock(required=False, label=_("Details"))


class AgendaBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=200, label=_("Heading"))
    items = blocks.ListBlock(AgendaItemBlock(), label=_("Timeline"))

    class Meta:
        icon = "time"
        template = "events/blocks/agenda.html"


class SpeakerBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=120, label=_("Name"))
    role = blocks.CharBlock(required=False, max_length=160, label=_("Role or organisation"))
    bio = blocks.TextBlock(required=False, label=_("Bio"))
    photo = ImageBlock(required=False, label=_("Photo"))
    link = blocks.URLBlock(required=False, label=_("Link"))

    class Meta:
        icon = "user"
        template = "events/blocks/speaker.html"


class EventBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul", "h3", "h4"],
                                label=_("Text"))
    image = ImageBlock(label=_("Image"))
    agenda = AgendaBlock(label=_("Agenda"))
    speaker = SpeakerBlock(label=_("Speaker"))
