// Drive's query language (google/drive_query): a name put into a query as a string literal cannot end the
// literal early, whatever quotes and backslashes it holds, so a file or folder name from a model or a user
// never adds clauses of its own. Checked with a reader of Drive's literals written from its documentation
// ("escape single quotes and backslashes with a backslash"). No I/O.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "google/drive_query.hpp"

namespace parley::google {
namespace {

// Reads the string literal starting at `q[at]` as Drive does; the text it stands for, and where it ends.
struct Literal {
  std::string value;
  std::size_t end = 0;  // one past the closing quote
};
std::optional<Literal> read_literal(const std::string& q, std::size_t at) {
  if (at >= q.size() || q[at] != '\'') return std::nullopt;
  Literal out;
  for (std::size_t i = at + 1; i < q.size(); ++i) {
    if (q[i] == '\\') {
      if (++i == q.size()) return std::nullopt;
      out.value += q[i];
    } else if (q[i] == '\'') {
      out.end = i + 1;
      return out;
    } else {
      out.value += q[i];
    }
  }
  return std::nullopt;
}

const std::string kHostileNames[] = {
    "plain",
    "",
    "O'Brien's notes",
    "'",
    "''",
    "\\",
    "\\\\",
    "a\\",
    "a\\'",
    "\\'",
    "x' or name contains '",
    "x\\' or trashed = true or name = \\'",
    "Budget' in parents or 'root",
    "' or '1'='1",
    "end\\",
    "multi\nline\ttab",
    "Grüße 'Köln' \\ 日本",
};

TEST(GoogleDriveQuery, ANameInALiteralReadsBackWhole) {
  for (const auto& name : kHostileNames) {
    const auto literal = drive_literal(name);
    const auto read = read_literal(literal, 0);
    ASSERT_TRUE(read) << literal;
    EXPECT_EQ(read->value, name) << literal;
    EXPECT_EQ(read->end, literal.size()) << "the literal ends early: " << literal;
  }
}

TEST(GoogleDriveQuery, ANameCannotAddClausesToTheQueryAroundIt) {
  // The shapes gdrive_server builds for folders and names.
  for (const auto& name : kHostileNames) {
    const std::string prefix = "name = ";
    const std::string suffix = " and trashed = false";
    const auto q = prefix + drive_literal(name) + suffix;
    const auto read = read_literal(q, prefix.size());
    ASSERT_TRUE(read) << q;
    EXPECT_EQ(read->value, name);
    EXPECT_EQ(q.substr(read->end), suffix) << q;
  }
}

TEST(GoogleDriveQuery, PlainWordsSearchNameAndContentAsOneLiteralEach) {
  for (const std::string words : {"Q1 'numbers'", "report\\", "it's", "back\\slash' or '1"}) {
    const auto q = drive_query(words);
    const std::string head = "(name contains ";
    ASSERT_EQ(q.rfind(head, 0), 0u) << q;
    const auto first = read_literal(q, head.size());
    ASSERT_TRUE(first) << q;
    EXPECT_EQ(first->value, words);
    const std::string middle = " or fullText contains ";
    ASSERT_EQ(q.substr(first->end, middle.size()), middle) << q;
    const auto second = read_literal(q, first->end + middle.size());
    ASSERT_TRUE(second) << q;
    EXPECT_EQ(second->value, words);
    EXPECT_EQ(q.substr(second->end), ") and trashed = false") << q;
  }
  EXPECT_EQ(drive_query("Q1 'numbers'"),
            "(name contains 'Q1 \\'numbers\\'' or fullText contains 'Q1 \\'numbers\\'') and trashed = false");
}

TEST(GoogleDriveQuery, DriveSyntaxGoesThroughAsWritten) {
  for (const std::string q :
       {"mimeType = 'text/plain'", "name contains 'x' and trashed = false", "'f-1' in parents",
        "modifiedTime > '2030-01-01T00:00:00'", "starred", "sharedWithMe and fullText contains 'plan'"}) {
    EXPECT_EQ(drive_query(q), q);
  }
}

}  // namespace
}  // namespace parley::google
