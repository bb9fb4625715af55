#pragma once
// A moderators' aid: words that mark a post as flagged in the queue. A match
// never approves or rejects anything by itself.

#include <string>
#include <string_view>
#include <vector>

namespace pleno::domain {

class word_list {
public:
    word_list() = default;
    explicit word_list(std::vector<std::string> const& words);

    // The listed words found in `text` (already cleaned UTF-8), matched on
    // whole words, ignoring case and accents; a listed word ending in '*'
    // matches any word with that prefix. Each matching listed word once, in
    // list order.
    std::vector<std::string> matches(std::string_view text) const;

    bool empty() const { return words_.empty(); }

private:
    struct entry {
        std::string original;
        std::string folded;
        bool prefix = false;
    };
    std::vector<entry> words_;
};

}  // namespace pleno::domain
