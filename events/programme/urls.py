"""URLs of the unconference programme (namespace "programme"), included by the site."""

from django.urls import path

from .views import board, participant

app_name = "programme"

urlpatterns = [
    path("events/<int:event_id>/programme/", participant.programme_home, name="home"),
    path("events/<int:event_id>/programme/propose/", participant.proposal_create,
         name="propose"),
    path("events/<int:event_id>/programme/proposals/<int:pk>/edit/", participant.proposal_edit,
         name="proposal_edit"),
    path("events/<int:event_id>/programme/proposals/<int:pk>/withdraw/",
         participant.proposal_withdraw, name="proposal_withdraw"),
    path("events/<int:event_id>/programme/proposals/<int:pk>/dot/", participant.vote,
         name="vote"),
    path("events/<int:event_id>/programme/sessions/<int:pk>/", participant.session_detail,
         name="session"),
    path("events/<int:event_id>/programme/mine/", participant.my_sessions, name="mine"),
    path("events/<int:event_id>/programme/board/", board.board, name="board"),
    path("events/<int:event_id>/programme/board/now.html", board.board_fragment,
         name="board_fragment"),
    path("events/<int:event_id>/programme/grid.pdf", board.grid_pdf, name="grid_pdf"),
    path("events/<int:event_id>/programme/outcomes/", board.outcomes, name="outcomes"),
    path("events/calendar/sessions/<str:token>.ics", board.sessions_calendar,
         name="sessions_calendar"),
]
