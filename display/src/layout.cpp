#include "layout.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>

namespace pleno::display {
namespace {

using code_point = char32_t;

constexpr code_point replacement_character = 0xFFFD;
constexpr code_point zero_width_joiner = 0x200D;

// The screen shapes the layout is tuned between: on a 4:3 projector the
// agenda panel gives up some width so the cards keep a readable measure.
constexpr double narrow_aspect = 4.0 / 3.0;
constexpr double wide_aspect = 16.0 / 9.0;
constexpr double agenda_share_on_narrow_screens = 0.9;

int to_pixels(double fraction, int length)
{
    return static_cast<int>(std::lround(fraction * length));
}

bool in_range(code_point value, code_point first, code_point last)
{
    return value >= first && value <= last;
}

struct decoded {
    code_point value = replacement_character;
    std::size_t length = 1;
};

// One code point at `at`. A malformed byte is taken alone, so a broken
// sequence is still shown (as the font's replacement) rather than lost, and a
// well-formed sequence is never cut.
decoded decode(std::string_view text, std::size_t at)
{
    auto const byte = [&](std::size_t index) { return static_cast<unsigned char>(text[index]); };
    unsigned char const lead = byte(at);
    if (lead < 0x80)
        return {lead, 1};
    std::size_t length = 0;
    code_point value = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        value = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        value = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        value = lead & 0x07u;
    } else {
        return {};
    }
    if (at + length > text.size())
        return {};
    for (std::size_t index = 1; index < length; ++index) {
        unsigned char const next = byte(at + index);
        if ((next & 0xC0u) != 0x80u)
            return {};
        value = (value << 6) | (next & 0x3Fu);
    }
    return {value, length};
}

bool is_regional_indicator(code_point value)
{
    return in_range(value, 0x1F1E6, 0x1F1FF);
}

bool is_variation_selector(code_point value)
{
    return in_range(value, 0xFE00, 0xFE0F) || in_range(value, 0xE0100, 0xE01EF);
}

bool is_skin_tone(code_point value)
{
    return in_range(value, 0x1F3FB, 0x1F3FF);
}

// Tag characters spell the subdivision flags (England, Scotland, Wales).
bool is_tag(code_point value)
{
    return in_range(value, 0xE0020, 0xE007F);
}

// The combining marks of the scripts a council is likely to see. Text reaches
// the display in NFC, so Latin accents are already precomposed; these catch
// what NFC leaves separate (and the keycap's U+20E3).
bool is_combining_mark(code_point value)
{
    return in_range(value, 0x0300, 0x036F) ||                                        // combining diacritical marks
           in_range(value, 0x0483, 0x0489) ||                                        // Cyrillic
           in_range(value, 0x0591, 0x05BD) || value == 0x05BF || in_range(value, 0x05C1, 0x05C2) ||
           in_range(value, 0x05C4, 0x05C5) || value == 0x05C7 ||                     // Hebrew points
           in_range(value, 0x0610, 0x061A) || in_range(value, 0x064B, 0x065F) || value == 0x0670 ||
           in_range(value, 0x06D6, 0x06DC) || in_range(value, 0x06DF, 0x06E4) || in_range(value, 0x06E7, 0x06E8) ||
           in_range(value, 0x06EA, 0x06ED) ||                                        // Arabic
           in_range(value, 0x0900, 0x0903) || in_range(value, 0x093A, 0x093C) || in_range(value, 0x093E, 0x094F) ||
           in_range(value, 0x0951, 0x0957) || in_range(value, 0x0962, 0x0963) ||   // Devanagari
           value == 0x0E31 || in_range(value, 0x0E34, 0x0E3A) || in_range(value, 0x0E47, 0x0E4E) ||  // Thai
           in_range(value, 0x1AB0, 0x1AFF) || in_range(value, 0x1DC0, 0x1DFF) ||   // extended and supplement
           in_range(value, 0x20D0, 0x20FF) ||                                        // marks for symbols, keycap
           in_range(value, 0x3099, 0x309A) ||                                        // kana voicing marks
           in_range(value, 0xFE20, 0xFE2F);                                          // half marks
}

// The end of the user-perceived character that starts at `at`: a simple
// cluster rule that keeps emoji ZWJ sequences, flags, keycaps, skin tones,
// variation selectors and combining marks with their base.
std::size_t cluster_end(std::string_view text, std::size_t at)
{
    decoded const first = decode(text, at);
    std::size_t end = at + first.length;
    code_point previous = first.value;
    int regional_indicators = is_regional_indicator(first.value) ? 1 : 0;
    while (end < text.size()) {
        decoded const next = decode(text, end);
        code_point const value = next.value;
        bool const breaks_line = value == ' ' || value == '\n';
        bool continues = false;
        if (value == zero_width_joiner || is_variation_selector(value) || is_skin_tone(value) ||
            is_combining_mark(value) || is_tag(value))
            continues = true;
        else if (previous == zero_width_joiner && !breaks_line)
            continues = true;
        else if (is_regional_indicator(value) && is_regional_indicator(previous) && regional_indicators % 2 == 1)
            continues = true;
        if (!continues)
            break;
        if (is_regional_indicator(value))
            ++regional_indicators;
        previous = value;
        end += next.length;
    }
    return end;
}

class line_breaker {
public:
    line_breaker(font_metrics const& metrics, font_role role, int max_width, std::vector<std::string>& lines)
        : metrics_(metrics), role_(role), max_width_(max_width), lines_(lines)
    {
    }

    void wrap_paragraph(std::string_view paragraph);

private:
    bool fits(std::string_view text) const { return metrics_.text_width(role_, text) <= max_width_; }
    void break_word(std::string_view word);

    font_metrics const& metrics_;
    font_role role_;
    int max_width_;
    std::vector<std::string>& lines_;
    std::string line_;
};

void line_breaker::wrap_paragraph(std::string_view paragraph)
{
    line_.clear();
    std::size_t at = 0;
    while (at < paragraph.size()) {
        std::size_t const spaces_start = at;
        while (at < paragraph.size() && paragraph[at] == ' ')
            ++at;
        std::string_view const spaces = paragraph.substr(spaces_start, at - spaces_start);
        std::size_t const word_start = at;
        while (at < paragraph.size() && paragraph[at] != ' ')
            ++at;
        std::string_view const word = paragraph.substr(word_start, at - word_start);

        std::string candidate = line_;
        candidate.append(spaces).append(word);
        if (fits(candidate)) {
            line_ = std::move(candidate);
            continue;
        }
        // Trailing spaces that do not fit are the break itself.
        if (word.empty())
            break;
        if (!line_.empty()) {
            lines_.push_back(std::move(line_));
            line_.clear();
        }
        // The spaces before the word become the break: a wrapped line never
        // starts with them.
        if (fits(word))
            line_ = std::string(word);
        else
            break_word(word);
    }
    lines_.push_back(std::move(line_));
    line_.clear();
}

// A word wider than the line is cut between clusters; its last piece stays
// open so the next words can follow it on the same line.
void line_breaker::break_word(std::string_view word)
{
    std::size_t start = 0;
    while (start < word.size()) {
        std::size_t end = start;
        while (end < word.size()) {
            std::size_t const next = cluster_end(word, end);
            if (!fits(word.substr(start, next - start)))
                break;
            end = next;
        }
        // A single cluster wider than the line still goes on a line of its
        // own: clipping it is better than losing it.
        if (end == start)
            end = cluster_end(word, start);
        if (end == word.size()) {
            line_ = std::string(word.substr(start));
            return;
        }
        lines_.emplace_back(word.substr(start, end - start));
        start = end;
    }
}

// One line, cut with an ellipsis between clusters when it is too wide.
std::string fit_on_one_line(font_metrics const& metrics, font_role role, std::string_view text, int max_width)
{
    if (metrics.text_width(role, text) <= max_width)
        return std::string(text);
    static constexpr std::string_view ellipsis = "…";
    std::size_t end = 0;
    while (end < text.size()) {
        std::size_t const next = cluster_end(text, end);
        std::string candidate(text.substr(0, next));
        candidate += ellipsis;
        if (metrics.text_width(role, candidate) > max_width)
            break;
        end = next;
    }
    std::string result(text.substr(0, end));
    result += ellipsis;
    return result;
}

}  // namespace

bool rect::contains(rect const& other) const
{
    return other.x >= x && other.y >= y && other.right() <= right() && other.bottom() <= bottom();
}

bool rect::overlaps(rect const& other) const
{
    if (w <= 0 || h <= 0 || other.w <= 0 || other.h <= 0)
        return false;
    return x < other.right() && other.x < right() && y < other.bottom() && other.y < bottom();
}

int font_sizes::size_of(font_role role) const
{
    switch (role) {
    case font_role::header: return header;
    case font_role::agenda_title: return agenda_title;
    case font_role::agenda_body: return agenda_body;
    case font_role::author: return author;
    case font_role::body: return body;
    case font_role::meta: return meta;
    case font_role::footer: return footer;
    case font_role::overlay: return overlay;
    }
    return body;
}

font_sizes font_sizes_for(theme const& look, int screen_height)
{
    int const height = std::max(screen_height, 1);
    auto const size = [height](double fraction) { return std::max(1, to_pixels(fraction, height)); };
    font_sizes result;
    result.header = size(look.header_size);
    result.agenda_title = size(look.agenda_title_size);
    result.agenda_body = size(look.agenda_body_size);
    result.author = size(look.author_size);
    // Rounding must never take the body text below 1/28 of the height.
    int const smallest_body = (height + 27) / 28;
    result.body = std::max(size(look.body_size), smallest_body);
    result.meta = size(look.meta_size);
    result.footer = size(look.footer_size);
    result.overlay = size(look.overlay_size);
    return result;
}

screen_layout layout_screen(theme const& look, int width, int height)
{
    screen_layout result;
    result.width = std::max(width, 0);
    result.height = std::max(height, 0);
    if (result.width == 0 || result.height == 0)
        return result;
    int const w = result.width;
    int const h = result.height;

    result.margin = std::max(0, to_pixels(look.margin, h));
    int const margin = result.margin;
    int const header_height = std::clamp(to_pixels(look.header_height, h), 0, h / 4);
    int const footer_height = std::clamp(to_pixels(look.footer_height, h), 0, h / 3);

    result.header = {0, 0, w, header_height};
    result.footer = {0, h - footer_height, w, footer_height};

    // Header: the logo square at the left, the status box at the right; the
    // renderer sets town, session, live mark and clock between them.
    int const header_inset = to_pixels(0.15, header_height);
    int const header_inner = std::max(0, header_height - 2 * header_inset);
    if (look.logo.empty())
        result.logo = {margin, header_height / 2, 0, 0};
    else
        result.logo = {margin, header_inset, header_inner, header_inner};
    int const status_width = std::max(0, std::min({to_pixels(0.2, w), to_pixels(0.4, h), w - result.logo.right() - 2 * margin}));
    result.status = {w - margin - status_width, header_inset, status_width, header_inner};

    // Between the bands: the agenda on the left and the wall on the right.
    int const content_top = header_height + margin;
    int const content_height = std::max(0, h - footer_height - margin - content_top);
    double const aspect = static_cast<double>(w) / h;
    double const wideness = std::clamp((aspect - narrow_aspect) / (wide_aspect - narrow_aspect), 0.0, 1.0);
    double const agenda_share = agenda_share_on_narrow_screens + (1.0 - agenda_share_on_narrow_screens) * wideness;
    int const available = std::max(0, w - 3 * margin);
    int const agenda_width = std::min(available, to_pixels(look.agenda_width * agenda_share, w));
    result.agenda = {margin, content_top, agenda_width, content_height};
    int const wall_x = std::min(w, result.agenda.right() + margin);
    result.wall = {wall_x, content_top, std::max(0, available - agenda_width), content_height};

    // Footer: the QR square at the left, as tall as the band allows so a phone
    // in the public seats can scan it; URL and call to action to its right.
    int const footer_inset = std::max(1, to_pixels(0.06, footer_height));
    int const qr_side = std::max(0, std::min(footer_height - 2 * footer_inset, w - 2 * margin));
    result.qr = {std::max(margin, footer_inset), result.footer.y + footer_inset, qr_side, qr_side};
    if (result.qr.right() > w)
        result.qr.x = std::max(0, w - qr_side);

    // The overlay covers the middle of the screen, above everything else.
    int const overlay_width = to_pixels(0.84, w);
    int const overlay_height = to_pixels(0.6, h);
    result.overlay = {(w - overlay_width) / 2, (h - overlay_height) / 2, overlay_width, overlay_height};
    return result;
}

std::vector<std::string> wrap_text(font_metrics const& metrics, font_role role, std::string_view text, int max_width)
{
    std::vector<std::string> lines;
    if (text.empty())
        return lines;
    line_breaker breaker(metrics, role, max_width, lines);
    std::size_t start = 0;
    while (true) {
        std::size_t const newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            breaker.wrap_paragraph(text.substr(start));
            break;
        }
        breaker.wrap_paragraph(text.substr(start, newline - start));
        start = newline + 1;
    }
    return lines;
}

card_layout layout_card(font_metrics const& metrics, theme const& look, wall_post const& post, int width,
                        std::int64_t current_item_id, std::vector<agenda_entry> const& agenda, int screen_height)
{
    card_layout result;
    result.post_id = post.id;
    result.width = width;
    font_sizes const sizes = font_sizes_for(look, screen_height);
    result.padding = std::max(2, sizes.body / 2);
    int const inner_width = std::max(1, width - 2 * result.padding);

    result.author = fit_on_one_line(metrics, font_role::author, post.author, inner_width);

    std::string meta = clock_text(post.submitted_at != 0 ? post.submitted_at : post.approved_at);
    if (post.item_id != 0 && post.item_id != current_item_id) {
        auto const found = std::find_if(agenda.begin(), agenda.end(), [&](agenda_entry const& entry) { return entry.id == post.item_id; });
        if (found != agenda.end()) {
            int const number = found->number > 0 ? found->number : static_cast<int>(found - agenda.begin()) + 1;
            meta += " · " + label_text(look.language, label::about_item, {{"n", std::to_string(number)}});
        }
    }
    result.meta = fit_on_one_line(metrics, font_role::meta, meta, inner_width);

    result.lines = wrap_text(metrics, font_role::body, post.text, inner_width);
    result.height = 2 * result.padding + metrics.line_height(font_role::author) + metrics.line_height(font_role::meta) +
                    static_cast<int>(result.lines.size()) * metrics.line_height(font_role::body);
    return result;
}

std::string clock_text(millis at)
{
    // Floor division, so a time before 1970 does not round towards it.
    millis seconds = at / 1000;
    if (at % 1000 < 0)
        --seconds;
    std::time_t const moment = static_cast<std::time_t>(seconds);
    std::tm local{};
    if (localtime_r(&moment, &local) == nullptr)
        return "--:--";
    std::array<char, 16> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%02d:%02d", local.tm_hour, local.tm_min);
    return buffer.data();
}

}  // namespace pleno::display
