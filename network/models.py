"""The network: spaces (Wagtail pages), member profiles and memberships.

Models stay thin: every change that must keep groups and permissions right
goes through `network.services`.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Collection, Page
from wagtail.search import index

from .blocks import BodyBlock
from .time_zones import time_zone_choices
from .validators import validate_link_lines, validate_no_control_characters, validate_time_zone


class SpaceKind(models.TextChoices):
    COWORKING = "coworking", _("Coworking")
    FABLAB = "fablab", _("FabLab")
    MAKERSPACE = "makerspace", _("Makerspace")
    OTHER = "other", _("Other")


class SpaceIndexPage(Page):
    """The directory of the network's spaces."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["network.SpacePage"]
    max_count = 1

    class Meta:
        verbose_name = _("spaces directory")

    def get_context(self, request, *args, **kwargs):
        # Imported here: page_context reads through the filters and selectors, which import
        # this module.
        from .page_context import space_directory_context

        context = super().get_context(request, *args, **kwargs)
        context.update(space_directory_context(self, request))
        return context


class SpacePage(Page):
    """One space of the network. Its events live under it; it owns an organiser group."""

    kind = models.CharField(_("kind"), max_length=20, choices=SpaceKind.choices,
                            default=SpaceKind.COWORKING)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True,
                               validators=[validate_no_control_characters])
    address = models.CharField(_("address"), max_length=255, blank=True,
                               validators=[validate_no_control_characters])
    city = models.CharField(_("city"), max_length=100, validators=[validate_no_control_characters])
    region = models.CharField(_("region"), max_length=100, blank=True,
                              validators=[validate_no_control_characters])
    country = models.CharField(_("country"), max_length=100, default="Italy",
                               validators=[validate_no_control_characters])
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))])
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))])
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True,
                             validators=[validate_no_control_characters])
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True,
                                        validators=[MaxValueValidator(100_000)])
    opening_hours = models.TextField(_("opening hours"), blank=True,
                                     validators=[MaxLengthValidator(2000)])
    description = StreamField(BodyBlock(), blank=True, verbose_name=_("description"))
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", verbose_name=_("logo"))
    photo = models.ForeignKey("wagtailimages.Image", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("photo"))
    day_pass_price = models.PositiveIntegerField(
        _("day pass price (credits)"), default=10, validators=[MaxValueValidator(100_000)],
        help_text=_("Credits a member pays for one day at this space; 0 = no day passes."))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome",
                                 validators=[validate_time_zone])
    active = models.BooleanField(_("active"), default=True)
    organiser_group = models.OneToOneField(Group, null=True, blank=True, editable=False,
                                           on_delete=models.SET_NULL, related_name="space")
    collection = models.ForeignKey(Collection, null=True, blank=True, editable=False,
                                   on_delete=models.SET_NULL, related_name="+")

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("tagline"),
        MultiFieldPanel([
            FieldPanel("address"),
            FieldRowPanel([FieldPanel("city"), FieldPanel("region"), FieldPanel("country")]),
            FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            FieldPanel("time_zone", widget=forms.Select(choices=time_zone_choices)),
        ], heading=_("Where")),
        MultiFieldPanel([
            FieldPanel("website"), FieldPanel("email"), FieldPanel("phone"),
        ], heading=_("Contact")),
        FieldRowPanel([FieldPanel("seats"), FieldPanel("day_pass_price")]),
        FieldPanel("opening_hours"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("logo"), FieldPanel("photo")]),
        FieldPanel("active"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("tagline"),
        index.SearchField("city"),
        index.SearchField("region"),
        index.SearchField("country"),
        index.SearchField("description"),
        index.FilterField("kind"),
        index.FilterField("active"),
    ]
    parent_page_types = ["network.SpaceIndexPage"]
    subpage_types = ["events.EventPage"]
    # One group and one collection per space: a copy or a translation never takes them
    # over (network.services.space_setup_permissions gives a translation the original's).
    exclude_fields_in_copy = ["organiser_group", "collection"]

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")

    def clean(self) -> None:
        """Page titles are Wagtail's field: refuse newlines and control characters here."""
        super().clean()
        try:
            validate_no_control_characters(self.title or "")
        except ValidationError as error:
            raise ValidationError({"title": error.messages}) from None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public — anyone")
    NETWORK = "network", _("Network — logged-in members only")
    HIDDEN = "hidden", _("Hidden — only me and the coordinators")


class MemberSkill(TaggedItemBase):
    content_object = ParentalKey("network.MemberProfile", on_delete=models.CASCADE,
                                 related_name="tagged_skills")


class MemberProfile(index.Indexed, ClusterableModel):
    """A member's public face in the shared directory (one per user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    slug = models.SlugField(_("address"), max_length=80, unique=True, allow_unicode=False)
    display_name = models.CharField(_("display name"), max_length=120,
                                    validators=[validate_no_control_characters])
    headline = models.CharField(_("headline"), max_length=160, blank=True,
                                validators=[validate_no_control_characters])
    # Shown on event badges under the name (issue 9); never guessed, only what they typed.
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True,
                                validators=[validate_no_control_characters],
                                help_text=_("Optional, shown on your event badges, e.g. "
                                            "she/her, they/them."))
    bio = models.TextField(_("bio"), blank=True, validators=[MaxLengthValidator(5000)])
    skills = ClusterTaggableManager(through=MemberSkill, blank=True, verbose_name=_("skills"))
    city = models.CharField(_("city"), max_length=100, blank=True,
                            validators=[validate_no_control_characters])
    home_space = models.ForeignKey(SpacePage, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="home_members", verbose_name=_("home space"))
    website = models.URLField(_("website"), blank=True)
    links = models.TextField(_("other links"), blank=True,
                             validators=[MaxLengthValidator(2000), validate_link_lines],
                             help_text=_("One address per line (GitHub, LinkedIn, Mastodon...)."))
    avatar = models.ForeignKey("wagtailimages.Image", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("avatar"))
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.NETWORK)
    show_email = models.BooleanField(_("show my e-mail"), default=False)
    # The language of the e-mails we send the member (network.mail.mail_language).
    language = models.CharField(_("language of my e-mails"), max_length=10, blank=True,
                                choices=settings.LANGUAGES,
                                help_text=_("Empty = the language of the event or page."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("display_name"),
        index.SearchField("headline"),
        index.SearchField("bio"),
        index.SearchField("city"),
        # Members are found by their skills too (issue 10).
        index.RelatedFields("skills", [index.SearchField("name")]),
        index.FilterField("visibility"),
        # Site search runs on `profiles_visible_to(viewer)`, which filters on the owner.
        index.FilterField("user"),
    ]

    class Meta:
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("network:profile", kwargs={"slug": self.slug})

    @property
    def link_list(self) -> list[str]:
        """Only http(s) lines, whatever was stored, so no `javascript:` ever reaches an href."""
        lines = [line.strip() for line in self.links.splitlines() if line.strip()]
        return [line for line in lines if line.lower().startswith(("http://", "https://"))]


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    HOST = "host", _("Host")
    ORGANISER = "organiser", _("Organiser")


class Membership(models.Model):
    """A member belongs to a space with a role; organisers join the space's group."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    space = models.ForeignKey(SpacePage, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices,
                            default=MembershipRole.MEMBER)
    since = models.DateField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "space"], name="membership_unique_user_space"),
        ]
        ordering = ["space__title", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.space} ({self.get_role_display()})"


class MemberDirectoryPage(Page):
    """The network's shared member directory; profiles respect each member's visibility."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("member directory")

    def get_context(self, request, *args, **kwargs):
        # Imported here: page_context reads through the filters and selectors, which import
        # this module.
        from .page_context import member_directory_context

        context = super().get_context(request, *args, **kwargs)
        context.update(member_directory_context(self, request))
        return context
