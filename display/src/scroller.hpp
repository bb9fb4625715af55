#pragma once
// How the wall moves: a continuous scroll at reading pace (or, with reduced
// motion, pages), entry animations for new cards, and a pause key. Time is
// passed in; no SDL.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace pleno::display {

// One card as the scroller sees it, newest first.
struct scroll_item {
    std::int64_t post_id = 0;
    int height = 0;          // pixels, including the gap below it
    double reading_seconds = 0;  // how long it must stay fully visible at least
};

struct card_position {
    std::int64_t post_id = 0;
    int y = 0;               // top, relative to the top of the wall area (may be negative or beyond the area)
    double entering = 1.0;   // 0 -> 1 while a new card enters (1: fully in)
};

enum class motion { scroll, paging };

class scroller {
public:
    explicit scroller(motion kind = motion::scroll);

    // The cards to show, newest first (the pinned card is not among them: it
    // is drawn above the area). New ids entering at the top animate in.
    void set_items(std::vector<scroll_item> items, double now_seconds);

    // The visible height of the wall area.
    void set_viewport(int height);

    // Advances to now; returns true while something moves (the caller keeps
    // drawing frames), false when the picture is still.
    bool advance(double now_seconds);

    void set_paused(bool paused) { paused_ = paused; }
    bool paused() const { return paused_; }

    // Where each card is now; only cards that intersect the viewport. While
    // a card enters, its slot is entering * height tall (the cards below
    // slide down as it grows): draw it within that slot, sliding or fading in.
    std::vector<card_position> visible() const;

    double offset() const { return offset_; }

    // How long from now the picture stays still if nothing else changes: 0
    // while something moves, infinity when nothing will move by itself. The
    // caller may sleep this long after advance() returned false (a reading
    // pause at the top, a page on screen).
    double seconds_until_change(double now_seconds) const;

private:
    enum class phase { still, scrolling, returning };

    // What the scroller remembers of each card, parallel to items_.
    struct card_state {
        std::int64_t post_id = 0;
        double top = 0;              // in the content, every card at full height
        double enter_start = -std::numeric_limits<double>::infinity();  // when it began to grow in (never: it did not)
        double seen_seconds = 0;     // fully visible so far in this cycle
    };

    void begin(double now_seconds);
    void run_until(double now_seconds);
    void step();
    double step_time(std::int64_t step) const;
    double speed_limit(double position) const;
    bool entry_running(double now_seconds) const;
    double entering_at(card_state const& card, double now_seconds) const;
    double content_height() const;
    std::size_t first_card_not_passed(double position) const;
    void place_cards();
    void plan_cycle();
    void replan();
    void shorten_cycle();
    void start_return();
    void update_offset();
    bool at_cycle_end() const;
    enum class owed_by { holding_cards, visible_cards };
    double unread_seconds_at(double position, owed_by cards) const;
    // Paging.
    std::size_t page_end(std::size_t first) const;
    double page_seconds(std::size_t first) const;
    void turn_page(double now_seconds);

    motion kind_;
    bool paused_ = false;
    int viewport_ = 0;
    double offset_ = 0;
    double last_time_ = 0;
    std::vector<scroll_item> items_;

    std::vector<card_state> cards_;
    double entries_end_ = -std::numeric_limits<double>::infinity();  // when the last entry animation ends
    bool has_time_ = false;
    phase phase_ = phase::still;
    // The motion runs in fixed steps from start_time_ so that it is the same at any frame rate;
    // a frame shows the point between the last two steps that its time falls on.
    double start_time_ = 0;
    std::int64_t steps_ = 0;
    double position_ = 0;            // offset after the last step
    double previous_position_ = 0;   // offset one step earlier
    double velocity_ = 0;            // pixels per second
    std::size_t cycle_cards_ = 0;    // how many cards, from the top, this cycle goes through
    std::int64_t cycle_last_id_ = 0;
    double cycle_end_ = 0;           // offset where the cycle's last card sits at the bottom
    double return_from_ = 0;         // the ease back to the top
    double return_start_ = 0;
    double return_seconds_ = 0;
    std::size_t page_first_ = 0;     // paging: index of the first card on the page
    double page_until_ = 0;          // paging: when the page turns
    bool page_turned_ = false;
};

}  // namespace pleno::display
