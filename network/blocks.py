"""StreamField blocks shared by the network's pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quote"))
    author = blocks.CharBlock(required=False, max_length=200, label=_("Author"))

    class Meta:
        icon = "openquote"
        template = "network/blocks/quote.html"


class BodyBlock(blocks.StreamBlock):
    """Rich content for spaces and site pages: headings, text, images, quotes."""

    heading = blocks.CharBlock(max_length=200, form_classname="title", icon="title",
                               template="network/blocks/heading.html", label=_("Heading"))
    paragraph = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul", "h3", "h4"],
                                     label=_("Text"))
    image = ImageBlock(label=_("Image"))
    quote = QuoteBlock()
