"""Forms of the network: a member's own profile."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField
from taggit.utils import edit_string_for_tags
from wagtail.images.fields import WagtailImageField

from .ids import IdChoiceField
from .models import MemberProfile, SpacePage
from .translations import originals

MAX_SKILLS = 20
MAX_SKILL_LENGTH = 50


class ProfileForm(forms.ModelForm):
    """The member edits their own profile. Model validators refuse control characters in
    one-line fields, over-long text and malformed links; `skills` and the avatar are applied by
    `network.services` (profile_ensure, profile_avatar_set)."""

    website = forms.URLField(label=_("Website"), required=False, max_length=200,
                             assume_scheme="https",
                             help_text=_("A complete address, e.g. https://example.org"))
    skills = TagField(label=_("Skills"), required=False, max_length=600,
                      help_text=_("Separate skills with commas, e.g. Python, facilitation, "
                                  "3D printing."))
    avatar_upload = WagtailImageField(label=_("Avatar"), required=False,
                                      help_text=_("A square photo works best (JPEG, PNG, WebP)."))
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    field_order = ["display_name", "pronouns", "headline", "bio", "skills", "city", "home_space",
                   "website", "links", "avatar_upload", "remove_avatar", "visibility", "show_email",
                   "language"]

    class Meta:
        model = MemberProfile
        fields = ["display_name", "pronouns", "headline", "bio", "city", "home_space", "website",
                  "links", "visibility", "show_email", "language"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6}),
            "links": forms.Textarea(attrs={"rows": 4}),
            "visibility": forms.RadioSelect,
        }
        field_classes = {"home_space": IdChoiceField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_space"].queryset = originals(SpacePage.objects.live()).order_by("title")
        self.fields["display_name"].strip = True
        if self.instance.pk and not self.is_bound:
            self.initial["skills"] = edit_string_for_tags(list(self.instance.skills.all()))
        # "Remove my avatar" only when there is one to remove (issue 10).
        if not self.instance.avatar_id:
            del self.fields["remove_avatar"]
        # Say who sees the address, whichever way the box is ticked (issue 10).
        email = getattr(getattr(self.instance, "user", None), "email", "")
        if email:
            self.fields["show_email"].help_text = _(
                "Your e-mail address %(email)s: only you see it on your profile unless you "
                "tick this; then every member who can see your profile sees it."
            ) % {"email": email}

    def clean_skills(self) -> list[str]:
        skills = self.cleaned_data["skills"] or []
        if len(skills) > MAX_SKILLS:
            raise forms.ValidationError(_("List at most %(max)s skills."),
                                        params={"max": MAX_SKILLS})
        for skill in skills:
            if len(skill) > MAX_SKILL_LENGTH or any(ord(ch) < 32 for ch in skill):
                raise forms.ValidationError(
                    _("Each skill is one short line (at most %(max)s characters)."),
                    params={"max": MAX_SKILL_LENGTH})
        return skills

    def profile_fields(self) -> dict:
        """The cleaned model fields, ready for `profile_ensure(user, **fields)`."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
