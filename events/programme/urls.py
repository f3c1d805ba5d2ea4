"""URLs of the unconference programme (namespace "programme"), included by the site."""

from django.urls import path

from .views import board, participant

app_name = "programme"

urlpatterns = [
    path("events/<id:event_id>/programme/", participant.programme_home, name="home"),
    path("events/<id:event_id>/programme/propose/", participant.proposal_create,
         name="propose"),
    path("events/<id:event_id>/programme/proposals/<id:pk>/edit/", participant.proposal_edit,
         name="proposal_edit"),
    path("events/<id:event_id>/programme/proposals/<id:pk>/withdraw/",
         participant.proposal_withdraw, name="proposal_withdraw"),
    path("events/<id:event_id>/programme/proposals/<id:pk>/dot/", participant.vote,
         name="vote"),
    path("events/<id:event_id>/programme/sessions/<id:pk>/", participant.session_detail,
         name="session"),
    path("events/<id:event_id>/programme/mine/", participant.my_sessions, name="mine"),
    path("events/<id:event_id>/programme/board/", board.board, name="board"),
    path("events/<id:event_id>/programme/board/now.html", board.board_fragment,
         name="board_fragment"),
    path("events/<id:event_id>/programme/grid.pdf", board.grid_pdf, name="grid_pdf"),
    path("events/<id:event_id>/programme/outcomes/", board.outcomes, name="outcomes"),
    path("events/calendar/sessions/<str:token>.ics", board.sessions_calendar,
         name="sessions_calendar"),
]
