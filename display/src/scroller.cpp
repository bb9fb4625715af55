#include "scroller.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace pleno::display {
namespace {

// The motion is simulated in fixed steps, independent of the frame rate.
constexpr double step_seconds = 1.0 / 240.0;
// The motion is a function of time, so a late frame catches up (a reading
// pause during which the caller slept included); only a gap longer than a
// minute (a suspended machine) is skipped rather than simulated.
constexpr std::int64_t catch_up_steps = 240 * 60;

constexpr double entry_seconds = 0.6;
// Speeds scale with the wall's height, so every resolution moves alike.
constexpr double acceleration_per_viewport = 0.08;  // viewport heights per second squared
constexpr double top_speed_per_viewport = 0.12;     // viewport heights per second
// A little more than each card's reading time, so rounding and the step size never shortchange it.
constexpr double reading_margin_seconds = 0.1;
// A cycle goes down through the newest cards until their reading times add up
// to this, then eases back to the top: with hundreds of posts, new ones must
// not wait for a tour of the whole archive.
constexpr double cycle_reading_seconds = 150.0;
// Once new cards wait above a wall scrolled down, the cycle shows at most
// this much more reading before it goes back up to them.
constexpr double waiting_reading_seconds = 40.0;
// Half a pixel either way still counts as fully visible.
constexpr double tolerance = 0.5;

double smoothstep(double x)
{
    x = std::clamp(x, 0.0, 1.0);
    return x * x * (3.0 - 2.0 * x);
}

double smootherstep(double x)
{
    x = std::clamp(x, 0.0, 1.0);
    return x * x * x * (x * (x * 6.0 - 15.0) + 10.0);
}

double required_seconds(scroll_item const& item)
{
    return std::max(item.reading_seconds, 0.0) + reading_margin_seconds;
}

double content_height_of(std::vector<scroll_item> const& items)
{
    double total = 0;
    for (auto const& item : items)
        total += item.height;
    return total;
}

bool same_items(std::vector<scroll_item> const& a, std::vector<scroll_item> const& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](scroll_item const& x, scroll_item const& y) {
        return x.post_id == y.post_id && x.height == y.height && x.reading_seconds == y.reading_seconds;
    });
}

}  // namespace

scroller::scroller(motion kind) : kind_(kind) {}

void scroller::set_items(std::vector<scroll_item> items, double now_seconds)
{
    begin(now_seconds);
    run_until(now_seconds);
    // A card always takes room, so that every position belongs to a card.
    for (auto& item : items)
        item.height = std::max(item.height, 1);
    // The application may pass the same list every frame: then there is nothing to do.
    if (same_items(items, items_)) {
        update_offset();
        return;
    }

    auto const old_items = std::move(items_);
    auto const old_cards = std::move(cards_);
    double const old_height = content_height_of(old_items);
    std::unordered_map<std::int64_t, std::size_t> old_index;
    for (std::size_t index = 0; index < old_items.size(); ++index)
        old_index.emplace(old_items[index].post_id, index);

    items_ = std::move(items);

    // New ids above every card we already had are arrivals; anything else new
    // (a snapshot after a reconnection, a first load) simply appears.
    std::size_t first_known = items_.size();
    for (std::size_t index = 0; index < items_.size(); ++index)
        if (old_index.contains(items_[index].post_id)) {
            first_known = index;
            break;
        }
    bool const single_first_post = old_items.empty() && items_.size() == 1;
    bool const arrivals_animate = kind_ == motion::scroll && (first_known < items_.size() || single_first_post);
    bool const at_top = position_ <= tolerance;
    bool arrivals_wait = false;

    cards_.clear();
    cards_.reserve(items_.size());
    std::unordered_set<std::int64_t> new_ids;
    for (std::size_t index = 0; index < items_.size(); ++index) {
        auto found = old_index.find(items_[index].post_id);
        if (found != old_index.end()) {
            cards_.push_back(old_cards[found->second]);
            continue;
        }
        card_state card;
        card.post_id = items_[index].post_id;
        // Only an arrival the audience sees (the wall at its top) grows in;
        // one that arrives above a wall scrolled down waits for the next cycle.
        if (arrivals_animate && at_top && index < first_known) {
            card.enter_start = now_seconds;
            entries_end_ = now_seconds + entry_seconds;
        } else if (!at_top && index < first_known) {
            arrivals_wait = true;
        }
        cards_.push_back(card);
        new_ids.insert(card.post_id);
    }
    place_cards();

    if (kind_ == motion::paging) {
        std::int64_t const old_first = page_first_ < old_items.size() ? old_items[page_first_].post_id : 0;
        if (page_first_ == 0 || !old_index.contains(old_first))
            page_first_ = 0;
        else
            for (std::size_t index = 0; index < items_.size(); ++index)
                if (items_[index].post_id == old_first)
                    page_first_ = index;
        plan_cycle();
        if (old_height <= viewport_ + tolerance) {
            page_until_ = now_seconds + page_seconds(page_first_);
        } else {
            // A card that joins the page on screen gets its reading time from now.
            std::size_t const end = page_end(page_first_);
            for (std::size_t index = page_first_; index < end; ++index)
                if (new_ids.contains(items_[index].post_id))
                    page_until_ = std::max(page_until_, now_seconds + items_[index].reading_seconds);
        }
        update_offset();
        return;
    }

    // Keep what is on screen where it is: the first card still visible (or
    // the next one that survives) stays at the same height on the screen.
    if (!at_top) {
        for (std::size_t index = 0; index < old_items.size(); ++index) {
            double const bottom = old_cards[index].top + old_items[index].height;
            if (bottom <= position_ + tolerance)
                continue;
            auto position = std::find_if(cards_.begin(), cards_.end(), [&](card_state const& card) {
                return card.post_id == old_items[index].post_id;
            });
            if (position == cards_.end())
                continue;
            double const shift = position->top - old_cards[index].top;
            position_ += shift;
            previous_position_ += shift;
            break;
        }
    }
    replan();
    if (arrivals_wait)
        shorten_cycle();
    update_offset();
}

void scroller::set_viewport(int height)
{
    height = std::max(height, 0);
    if (height == viewport_)
        return;
    viewport_ = height;
    if (!has_time_)
        return;
    if (kind_ == motion::paging) {
        plan_cycle();
        if (page_first_ >= items_.size())
            page_first_ = 0;
        // The page changed shape: it gets the reading time of what it now holds.
        page_until_ = last_time_ + page_seconds(page_first_);
    } else {
        replan();
    }
    update_offset();
}

bool scroller::advance(double now_seconds)
{
    begin(now_seconds);
    double const before = offset_;
    page_turned_ = false;
    run_until(now_seconds);
    update_offset();
    bool const moved = std::abs(offset_ - before) > 1e-6;
    if (kind_ == motion::paging)
        return moved || page_turned_;
    if (entry_running(last_time_))
        return true;
    if (paused_)
        return moved;
    return moved || velocity_ > 0 || phase_ == phase::returning;
}

std::vector<card_position> scroller::visible() const
{
    std::vector<card_position> shown;
    if (viewport_ <= 0 || items_.empty())
        return shown;
    if (kind_ == motion::paging) {
        std::size_t const end = page_end(page_first_);
        double const page_top = cards_[page_first_].top;
        for (std::size_t index = page_first_; index < end; ++index)
            shown.push_back({items_[index].post_id, static_cast<int>(std::lround(cards_[index].top - page_top)), 1.0});
        return shown;
    }
    // An entering card's slot grows with it, so the cards below slide down
    // instead of jumping; it only happens with the wall at its top.
    double slot_top = 0;
    for (std::size_t index = 0; index < items_.size(); ++index) {
        double const entering = entering_at(cards_[index], last_time_);
        double const slot = items_[index].height * entering;
        double const y = slot_top - offset_;
        if (y >= viewport_)
            break;
        if (y + std::max(slot, 1.0) > 0)
            shown.push_back({items_[index].post_id, static_cast<int>(std::lround(y)), entering});
        slot_top += slot;
    }
    return shown;
}

double scroller::seconds_until_change(double now_seconds) const
{
    constexpr double never = std::numeric_limits<double>::infinity();
    if (kind_ == motion::paging) {
        if (paused_ || content_height() <= viewport_ + tolerance)
            return never;
        return std::max(0.0, page_until_ - now_seconds);
    }
    if (entry_running(now_seconds))
        return 0;
    if (paused_ || phase_ == phase::still)
        return never;
    if (phase_ == phase::returning || velocity_ > 0)
        return 0;
    // Standing still while cards are read: at the end of the cycle every
    // visible card must be read, elsewhere only the ones that hold the wall.
    return unread_seconds_at(position_, at_cycle_end() ? owed_by::visible_cards : owed_by::holding_cards);
}

// ---- time --------------------------------------------------------------

void scroller::begin(double now_seconds)
{
    if (has_time_)
        return;
    has_time_ = true;
    start_time_ = now_seconds;
    steps_ = 0;
    last_time_ = now_seconds;
}

double scroller::step_time(std::int64_t step) const
{
    return start_time_ + static_cast<double>(step) * step_seconds;
}

void scroller::run_until(double now_seconds)
{
    now_seconds = std::max(now_seconds, last_time_);
    if (kind_ == motion::paging) {
        if (paused_)
            page_until_ += now_seconds - last_time_;  // the page keeps the time it had left
        else if (content_height() > viewport_ + tolerance && now_seconds >= page_until_) {
            turn_page(now_seconds);
            page_turned_ = true;
        }
        last_time_ = now_seconds;
        return;
    }
    if (paused_) {
        // Freeze the picture as last shown and restart the step clock from
        // now, so that nothing catches up when the pause ends.
        position_ = previous_position_ = offset_;
        velocity_ = 0;
        double const shift = (now_seconds - static_cast<double>(steps_) * step_seconds) - start_time_;
        start_time_ += shift;
        return_start_ += shift;
        last_time_ = now_seconds;
        return;
    }
    auto const target = static_cast<std::int64_t>(std::floor((now_seconds - start_time_) / step_seconds));
    std::int64_t needed = target - steps_;
    if (needed > catch_up_steps) {
        double const skipped = static_cast<double>(needed - catch_up_steps) * step_seconds;
        start_time_ += skipped;
        return_start_ += skipped;
        needed = catch_up_steps;
    }
    for (std::int64_t count = 0; count < needed; ++count)
        step();
    last_time_ = now_seconds;
}

void scroller::update_offset()
{
    if (kind_ == motion::paging) {
        offset_ = page_first_ < cards_.size() ? cards_[page_first_].top : 0.0;
        return;
    }
    // A frame shows the motion one step late, between the last two steps:
    // the same picture at the same time whatever the frame rate.
    double const fraction = std::clamp((last_time_ - step_time(steps_)) / step_seconds, 0.0, 1.0);
    offset_ = previous_position_ + (position_ - previous_position_) * fraction;
}

// ---- scrolling ---------------------------------------------------------

void scroller::step()
{
    double const step_start = step_time(steps_);
    ++steps_;
    double const step_end = step_time(steps_);
    previous_position_ = position_;

    switch (phase_) {
    case phase::still:
        position_ = 0;
        velocity_ = 0;
        return;
    case phase::returning: {
        double const progress = (step_end - return_start_) / return_seconds_;
        if (progress >= 1.0) {
            position_ = 0;
            velocity_ = 0;
            phase_ = phase::scrolling;
            for (auto& card : cards_)
                card.seen_seconds = 0;
            plan_cycle();
            return;
        }
        position_ = return_from_ * (1.0 - smootherstep(progress));
        return;
    }
    case phase::scrolling:
        break;
    }

    // A card growing in at the top holds the wall (and its reading time starts once it is in).
    if (entry_running(step_start)) {
        velocity_ = 0;
        return;
    }
    double const acceleration = acceleration_per_viewport * viewport_;
    velocity_ = std::min(velocity_ + acceleration * step_seconds, speed_limit(position_));
    position_ += velocity_ * step_seconds;
    if (position_ >= cycle_end_) {
        position_ = cycle_end_;
        velocity_ = 0;
    }

    for (std::size_t index = first_card_not_passed(position_); index < cycle_cards_ && index < items_.size(); ++index) {
        double const top = cards_[index].top;
        double const low = top + items_[index].height - viewport_;
        if (std::min(top, low) - tolerance > position_)
            break;
        cards_[index].seen_seconds += step_seconds;
    }

    if (at_cycle_end() && unread_seconds_at(position_, owed_by::visible_cards) <= 0)
        start_return();
}

// The fastest the wall may move at `position` so that every card of the
// cycle stays fully visible for its reading time, with room to brake before
// a slower card and before the end of the cycle.
double scroller::speed_limit(double position) const
{
    double const acceleration = acceleration_per_viewport * viewport_;
    double const top_speed = top_speed_per_viewport * viewport_;
    double limit = std::min(top_speed, std::sqrt(2.0 * acceleration * std::max(0.0, cycle_end_ - position)));
    // Cards whose window starts farther than this cannot lower the limit below the top speed.
    double const reach = top_speed * top_speed / (2.0 * acceleration);

    for (std::size_t index = first_card_not_passed(position); index < cycle_cards_ && index < items_.size(); ++index) {
        double const top = cards_[index].top;
        double const low = top + items_[index].height - viewport_;
        // While the position is inside [first, last] the card is fully visible
        // (or, taller than the wall, covers it).
        double const first = std::min(top, low);
        double const last = std::max(top, low);
        if (first - position > reach)
            break;
        double const remaining = required_seconds(items_[index]) - cards_[index].seen_seconds;
        if (remaining <= 0)
            continue;
        if (position >= first - tolerance) {
            limit = std::min(limit, std::max(0.0, last - position) / remaining);
        } else {
            double const window_speed = (last - first) / remaining;
            limit = std::min(limit, std::sqrt(window_speed * window_speed + 2.0 * acceleration * (first - position)));
        }
    }
    return std::max(limit, 0.0);
}

// The longest reading time still owed to a card fully visible at `position`:
// to every visible card, or only to those that hold the wall (their top
// already at the top of the wall, so the wall cannot move without hiding them).
double scroller::unread_seconds_at(double position, owed_by cards) const
{
    double unread = 0;
    for (std::size_t index = first_card_not_passed(position); index < items_.size(); ++index) {
        double const top = cards_[index].top;
        double const low = top + items_[index].height - viewport_;
        double const first = std::min(top, low);
        double const last = std::max(top, low);
        if (first - tolerance > position)
            break;
        if (cards == owed_by::holding_cards && last - position > tolerance)
            continue;
        unread = std::max(unread, required_seconds(items_[index]) - cards_[index].seen_seconds);
    }
    return std::max(unread, 0.0);
}

bool scroller::at_cycle_end() const
{
    return phase_ == phase::scrolling && position_ >= cycle_end_ - 1e-9 && velocity_ <= 0;
}

void scroller::start_return()
{
    phase_ = phase::returning;
    return_from_ = position_;
    return_start_ = step_time(steps_);
    // Long enough to follow, short enough not to make anyone wait.
    double const distance = viewport_ > 0 ? position_ / viewport_ : 0.0;
    return_seconds_ = std::clamp(1.2 + 0.3 * distance, 1.2, 3.0);
    velocity_ = 0;
}

bool scroller::entry_running(double now_seconds) const
{
    return now_seconds < entries_end_;
}

double scroller::entering_at(card_state const& card, double now_seconds) const
{
    // A card that did not grow in started infinitely long ago: fully in.
    return smoothstep((now_seconds - card.enter_start) / entry_seconds);
}

double scroller::content_height() const
{
    return content_height_of(items_);
}

// The first card that the wall has not yet gone past at `position`: from
// there on the cards can still be, or become, fully visible. The windows of
// the cards grow with their index, so a binary search finds it.
std::size_t scroller::first_card_not_passed(double position) const
{
    std::size_t low = 0;
    std::size_t high = items_.size();
    while (low < high) {
        std::size_t const middle = low + (high - low) / 2;
        double const top = cards_[middle].top;
        double const last = std::max(top, top + items_[middle].height - viewport_);
        if (position > last + tolerance)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

void scroller::place_cards()
{
    double top = 0;
    for (std::size_t index = 0; index < items_.size(); ++index) {
        cards_[index].top = top;
        top += items_[index].height;
    }
}

// Chooses the cards of a new cycle: from the newest down, while their reading
// times fit the cycle's budget, and always at least one card below the first screen.
void scroller::plan_cycle()
{
    double const total = content_height();
    if (viewport_ <= 0 || total <= viewport_ + tolerance) {
        phase_ = phase::still;
        position_ = previous_position_ = 0;
        velocity_ = 0;
        cycle_cards_ = items_.size();
        cycle_last_id_ = 0;
        cycle_end_ = 0;
        return;
    }
    double reading = 0;
    std::size_t count = 0;
    for (std::size_t index = 0; index < items_.size(); ++index) {
        bool const beyond_first_screen = count > 0 && cards_[count - 1].top + items_[count - 1].height > viewport_;
        if (beyond_first_screen && reading + items_[index].reading_seconds > cycle_reading_seconds)
            break;
        reading += items_[index].reading_seconds;
        count = index + 1;
    }
    cycle_cards_ = count;
    cycle_last_id_ = items_[count - 1].post_id;
    double const last_bottom = cards_[count - 1].top + items_[count - 1].height;
    cycle_end_ = std::clamp(last_bottom - viewport_, 0.0, total - viewport_);
    if (phase_ == phase::still)
        phase_ = phase::scrolling;
}

// After the cards or the wall's height changed: keep the cycle going from where it is.
void scroller::replan()
{
    double const total = content_height();
    if (viewport_ <= 0 || total <= viewport_ + tolerance) {
        plan_cycle();  // everything fits: nothing moves
        return;
    }
    if (phase_ == phase::still) {
        position_ = previous_position_ = 0;
        velocity_ = 0;
        plan_cycle();
        return;
    }
    double const deepest = total - viewport_;
    // What a removal above left beyond the end of the content is taken back at once.
    position_ = std::clamp(position_, 0.0, deepest);
    previous_position_ = std::clamp(previous_position_, 0.0, deepest);

    if (phase_ == phase::returning) {
        // Keep easing towards the top from wherever the change put the wall.
        double const left = 1.0 - smootherstep((step_time(steps_) - return_start_) / return_seconds_);
        return_from_ = left > 1e-6 ? position_ / left : 0.0;
        return;
    }

    auto last = std::find_if(items_.begin(), items_.end(),
                             [this](scroll_item const& item) { return item.post_id == cycle_last_id_; });
    bool replanned = true;
    if (last != items_.end()) {
        auto const index = static_cast<std::size_t>(last - items_.begin());
        double const end = cards_[index].top + last->height - viewport_;
        if (end > tolerance) {
            cycle_cards_ = index + 1;
            cycle_end_ = std::min(end, deepest);
            replanned = false;
        }
    }
    if (replanned)
        plan_cycle();
    // Never backwards: if the end moved above the wall's position, the cycle ends here.
    cycle_end_ = std::clamp(std::max(cycle_end_, position_), 0.0, deepest);
}

// New cards wait above: end the cycle after a little more reading, counted
// from the first card not yet fully shown at the bottom of the wall.
void scroller::shorten_cycle()
{
    if (phase_ != phase::scrolling || cycle_cards_ == 0)
        return;
    std::size_t first = 0;
    while (first < cycle_cards_ && cards_[first].top + items_[first].height <= position_ + viewport_ + tolerance)
        ++first;
    if (first >= cycle_cards_)
        return;  // the cycle's last card is already on screen
    double reading = 0;
    std::size_t last = first;
    for (std::size_t index = first; index < cycle_cards_; ++index) {
        if (index > first && reading + items_[index].reading_seconds > waiting_reading_seconds)
            break;
        reading += items_[index].reading_seconds;
        last = index;
    }
    if (last + 1 >= cycle_cards_)
        return;
    double const deepest = content_height() - viewport_;
    cycle_cards_ = last + 1;
    cycle_last_id_ = items_[last].post_id;
    cycle_end_ = std::clamp(cards_[last].top + items_[last].height - viewport_, position_, std::max(deepest, position_));
}

// ---- paging ------------------------------------------------------------

// One past the last card of the page that starts at `first`: whole cards
// only, and at least one (a card taller than the wall gets a page of its own).
std::size_t scroller::page_end(std::size_t first) const
{
    std::size_t end = first;
    double used = 0;
    while (end < items_.size() && (end == first || used + items_[end].height <= viewport_ + tolerance)) {
        used += items_[end].height;
        ++end;
    }
    return end;
}

double scroller::page_seconds(std::size_t first) const
{
    double seconds = 0;
    std::size_t const end = page_end(first);
    for (std::size_t index = first; index < end; ++index)
        seconds += std::max(items_[index].reading_seconds, 0.0);
    return std::max(seconds, reading_margin_seconds);
}

void scroller::turn_page(double now_seconds)
{
    std::size_t next = page_end(page_first_);
    if (next >= items_.size() || next >= cycle_cards_)
        next = 0;
    page_first_ = next;
    double const seconds = page_seconds(page_first_);
    // On schedule, so that the pages turn at the same times at any frame rate.
    page_until_ += seconds;
    if (page_until_ <= now_seconds)
        page_until_ = now_seconds + seconds;
}

}  // namespace pleno::display
