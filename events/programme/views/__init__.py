"""Views of the programme, by concept: `participant` (propose, edit, vote, notes, my
sessions), `board` (the live board, its fragment, the printable grid, outcomes)."""
