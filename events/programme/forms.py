"""Forms of the programme pages. They validate shape only; the rules live in `services`."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Equipment, ProposalKind
from .selectors import co_host_candidates, person_name
from .services import DESCRIPTION_MAX, NOTES_MAX, TITLE_MAX, ProposalData


class HostChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("What happens in the session"), max_length=DESCRIPTION_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(label=_("Kind"), choices=ProposalKind.choices,
                             initial=ProposalKind.DISCUSSION)
    length = forms.TypedChoiceField(label=_("Length"), coerce=int, initial=1,
                                    choices=[(1, _("One slot")), (2, _("Two slots"))])
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    needs = forms.MultipleChoiceField(label=_("Needs"), choices=Equipment.choices,
                                      required=False, widget=forms.CheckboxSelectMultiple)
    co_hosts = HostChoiceField(label=_("Co-hosts"), queryset=None, required=False,
                               widget=forms.CheckboxSelectMultiple,
                               help_text=_("Participants who host the session with you."))

    def __init__(self, *args, programme, proposer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_hosts"].queryset = co_host_candidates(programme, exclude=proposer)
        if not self.fields["co_hosts"].queryset.exists():
            del self.fields["co_hosts"]

    def to_data(self) -> ProposalData:
        data = self.cleaned_data
        return ProposalData(title=data["title"], description=data["description"],
                            kind=data["kind"], length=data["length"],
                            language=data["language"], needs=tuple(data["needs"]),
                            co_hosts=tuple(data.get("co_hosts") or ()))


class NotesForm(forms.Form):
    body = forms.CharField(label=_("Notes (Markdown)"), max_length=NOTES_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 14}))
    #: The version the writer started from (0: no notes yet); see services.note_save.
    base_revision = forms.IntegerField(min_value=0, max_value=2**62, required=False,
                                       widget=forms.HiddenInput)
