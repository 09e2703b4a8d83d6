// The pdf server's pieces: page selections, path containment (.., absolute paths, symbolic links), listing,
// chunking, and text extraction from PDFs built here byte by byte (valid, truncated, not a PDF).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "mcp/builtin/document_text.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/builtin/text_limits.hpp"
#include "mcp/builtin/upload_paths.hpp"
#include "mcp_builtin_test_support.hpp"

using namespace parley::mcp::builtin;
using parley::Result;
namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

// A minimal PDF with one Helvetica text line per page and a correct cross-reference table.
std::string make_pdf(const std::vector<std::string>& pages, const std::string& title = "Test title") {
  std::vector<std::string> objects;
  const int first_page = 4;
  std::string kids;
  for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(first_page + 2 * i) + " 0 R ";
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const auto content = "BT /F1 18 Tf 72 700 Td (" + pages[i] + ") Tj ET";
    objects.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
        "/Contents " +
        std::to_string(first_page + 2 * i + 1) + " 0 R >>");
    objects.push_back("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
                      "\nendstream");
  }
  objects.push_back("<< /Title (" + title + ") /Author (parley tests) >>");
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const auto xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R /Info " +
         std::to_string(objects.size()) + " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("parley-pdf-test-" + parley::new_uuid_hex());
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }
  void write(const std::string& relative, const std::string& bytes) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative, std::ios::binary) << bytes;
  }

 private:
  fs::path path_;
};

using test_support::call;

std::string text_of(const bj::object& result) {
  return std::string(result.at("content").at(0).at("text").as_string());
}

}  // namespace

TEST(McpBuiltinPdf, PageSelections) {
  EXPECT_EQ(parse_page_selection("2", 5).value(), (std::vector<int>{2}));
  EXPECT_EQ(parse_page_selection("1-3,5", 5).value(), (std::vector<int>{1, 2, 3, 5}));
  EXPECT_EQ(parse_page_selection(" 4- , 1 ", 5).value(), (std::vector<int>{1, 4, 5}));
  EXPECT_EQ(parse_page_selection("2,2,1-2", 5).value(), (std::vector<int>{1, 2}));
  EXPECT_EQ(parse_page_selection("9", 3).error().message, "Page 9 does not exist: the document has 3 pages.");
  EXPECT_FALSE(parse_page_selection("0", 3));
  EXPECT_FALSE(parse_page_selection("3-1", 3));
  EXPECT_FALSE(parse_page_selection("a-b", 3));
  EXPECT_FALSE(parse_page_selection("", 3));
  EXPECT_FALSE(parse_page_selection("1-99999999999999", 3));
}

TEST(McpBuiltinPdf, ChunksOverlapOnCharacterBoundaries) {
  EXPECT_EQ(chunk_text("abcdefghij", 4, 1), (std::vector<std::string>{"abcd", "defg", "ghij"}));
  EXPECT_EQ(chunk_text("ééééé", 2, 0), (std::vector<std::string>{"éé", "éé", "é"}));
  EXPECT_EQ(chunk_text("abc", 2, 5), (std::vector<std::string>{"ab", "bc"}));  // overlap clamped
  EXPECT_TRUE(chunk_text("", 5, 0).empty());
  const auto cut = cut_to_chars("añb", 2);
  EXPECT_EQ(cut.text, "añ");
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.total_chars, 3u);
}

TEST(McpBuiltinPdf, PathsStayInsideTheFolder) {
  TempDir root;
  TempDir outside;
  root.write("s1/report.pdf", "x");
  outside.write("secret.txt", "top secret");
  fs::create_symlink(outside.path() / "secret.txt", root.path() / "s1" / "link.txt");
  fs::create_symlink(outside.path(), root.path() / "escape");
  fs::create_symlink(root.path() / "s1" / "report.pdf", root.path() / "inner-link.pdf");

  EXPECT_EQ(resolve_inside(root.path(), "s1/report.pdf", "uploads").value(),
            fs::canonical(root.path() / "s1/report.pdf"));
  EXPECT_TRUE(resolve_inside(root.path(), (root.path() / "s1/report.pdf").string(), "uploads"));
  EXPECT_TRUE(resolve_inside(root.path(), "file://" + (root.path() / "s1/report.pdf").string(), "uploads"));
  EXPECT_TRUE(resolve_inside(root.path(), "inner-link.pdf", "uploads"));  // a link that stays inside
  for (const std::string& bad : {std::string("../") + outside.path().filename().string() + "/secret.txt",
                                 std::string("s1/../../etc/passwd"), std::string("/etc/passwd"),
                                 (outside.path() / "secret.txt").string()}) {
    auto r = resolve_inside(root.path(), bad, "uploads");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("outside the uploads"), std::string::npos) << r.error().message;
  }
  for (const std::string& link : {std::string("s1/link.txt"), std::string("escape/secret.txt")}) {
    auto r = resolve_inside(root.path(), link, "uploads");
    ASSERT_FALSE(r) << link;
    EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
  }
  EXPECT_NE(resolve_inside(root.path(), "s1/missing.pdf", "uploads").error().message.find("No such file"),
            std::string::npos);
  EXPECT_FALSE(resolve_inside(root.path(), std::string("s1/report.pdf\0x", 15), "uploads"));
  EXPECT_FALSE(resolve_inside(root.path(), "", "uploads"));
  EXPECT_FALSE(resolve_inside(root.path() / "nope", "a.pdf", "uploads"));
  EXPECT_TRUE(is_within("/a/b", "/a/b/c"));
  EXPECT_FALSE(is_within("/a/b", "/a/bc"));
}

TEST(McpBuiltinPdf, ListingSkipsLinksAndSortsNewestFirst) {
  TempDir root;
  TempDir outside;
  outside.write("secret.pdf", "x");
  root.write("old.pdf", "1");
  root.write("0123456789abcdef0123456789abcdef__notes.txt", "22");
  root.write("s1/new.PDF", "333");
  fs::create_symlink(outside.path() / "secret.pdf", root.path() / "link.pdf");
  fs::create_symlink(outside.path(), root.path() / "linkdir");
  const auto now = fs::file_time_type::clock::now();
  fs::last_write_time(root.path() / "old.pdf", now - std::chrono::hours(2));
  fs::last_write_time(root.path() / "0123456789abcdef0123456789abcdef__notes.txt",
                      now - std::chrono::hours(1));
  fs::last_write_time(root.path() / "s1/new.PDF", now);

  auto all = list_uploads(root.path(), {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all.value().entries.size(), 3u);
  EXPECT_EQ(all.value().entries[0].relative_path, "s1/new.PDF");
  EXPECT_EQ(all.value().entries[0].mime_type, "application/pdf");
  EXPECT_EQ(all.value().entries[0].size_bytes, 3u);
  EXPECT_EQ(all.value().entries[1].attachment_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(all.value().entries[2].relative_path, "old.pdf");

  UploadQuery pattern;
  pattern.pattern = "*.pdf";
  EXPECT_EQ(list_uploads(root.path(), pattern).value().entries.size(), 1u);  // the glob is case-sensitive
  UploadQuery search;
  search.name_contains = "NEW";
  EXPECT_EQ(list_uploads(root.path(), search).value().entries.size(), 1u);
  UploadQuery sub;
  sub.subdir = "s1";
  EXPECT_EQ(list_uploads(root.path(), sub).value().entries.size(), 1u);
  sub.subdir = "../";
  EXPECT_FALSE(list_uploads(root.path(), sub));
  sub.subdir = "linkdir";
  EXPECT_FALSE(list_uploads(root.path(), sub));
  UploadQuery dirs;
  dirs.include_dirs = true;
  dirs.max_results = 2;
  auto limited = list_uploads(root.path(), dirs);
  EXPECT_EQ(limited.value().entries.size(), 2u);
  EXPECT_EQ(limited.value().total_matches, 4u);  // three files and s1
  EXPECT_TRUE(list_uploads(root.path() / "missing", {}).value().entries.empty());
}

TEST(McpBuiltinPdf, ExtractsTextPagesAndMetadata) {
  const auto pdf = make_pdf({"Alpha page one", "Bravo page two", "Charlie page three"});
  auto all = extract_text({pdf, "application/pdf", "three.pdf", std::nullopt}, CallContext());
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all.value().mime_type, "application/pdf");
  EXPECT_NE(all.value().content.find("Alpha page one"), std::string::npos);
  EXPECT_NE(all.value().content.find("Charlie page three"), std::string::npos);
  EXPECT_LT(all.value().content.find("Alpha"), all.value().content.find("Bravo"));
  EXPECT_EQ(all.value().metadata.at("page_count"), 3);
  EXPECT_EQ(all.value().metadata.at("title"), "Test title");
  EXPECT_EQ(all.value().metadata.at("author"), "parley tests");
  EXPECT_TRUE(all.value().warnings.empty());

  auto two = extract_text({pdf, "", "three.pdf", std::string("2-3")}, CallContext());
  ASSERT_TRUE(two);
  EXPECT_EQ(two.value().content.find("Alpha"), std::string::npos);
  EXPECT_NE(two.value().content.find("Bravo page two"), std::string::npos);
  EXPECT_EQ(two.value().metadata.at("pages_extracted"), bj::parse("[2,3]"));
  EXPECT_EQ(extract_text({pdf, "", "three.pdf", std::string("4")}, CallContext()).error().message,
            "Page 4 does not exist: the document has 3 pages.");
}

TEST(McpBuiltinPdf, DamagedAndFakePdfsFailReadably) {
  const auto pdf = make_pdf({"Alpha page one", "Bravo page two"});
  auto truncated =
      extract_text({pdf.substr(0, 60), "application/pdf", "cut.pdf", std::nullopt}, CallContext());
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("cut.pdf could not be read as a PDF"), std::string::npos)
      << truncated.error().message;
  auto fake =
      extract_text({"PK\x03\x04 not a pdf", "application/pdf", "fake.pdf", std::nullopt}, CallContext());
  EXPECT_EQ(fake.error().message, "fake.pdf is not a PDF: it does not start with the %PDF- signature.");
  auto fake_by_name = extract_text({"hello", "", "notes.pdf", std::nullopt}, CallContext());
  EXPECT_FALSE(fake_by_name);
  auto text = extract_text({"plain words", "", "notes.txt", std::string("1")}, CallContext());
  ASSERT_TRUE(text);
  EXPECT_EQ(text.value().content, "plain words");
  EXPECT_EQ(text.value().mime_type, "text/plain");
  EXPECT_EQ(text.value().warnings.size(), 1u);  // pages ignored
  auto binary = extract_text({std::string("\x89PNG\r\n\x1a\n\0\0", 10), "image/png", "a.png", std::nullopt},
                             CallContext());
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary.value().content, "[binary file a.png: image/png, 10 bytes; no text could be extracted]");
  std::atomic<bool> cancelled{true};
  EXPECT_EQ(extract_text({pdf, "", "x.pdf", std::nullopt}, CallContext(&cancelled)).error().message,
            "The extraction was cancelled.");
}

TEST(McpBuiltinPdf, ServerToolsEndToEnd) {
  TempDir uploads;
  TempDir blobs;
  uploads.write("s1/doc.pdf", make_pdf({"Alpha page one", "Bravo page two"}));
  uploads.write("big.txt", std::string(300, 'z'));
  blobs.write("s1/0123456789abcdef0123456789abcdef__scan.pdf", make_pdf({"Saved attachment text"}));
  PdfOptions options;
  options.uploads_dir = uploads.path();
  options.blob_dir = blobs.path();
  options.home = uploads.path().parent_path();
  options.max_content_chars = 100;
  options.max_file_bytes = 100000;
  options.find_attachment =
      [](const std::string& id) -> parley::Result<std::optional<SavedAttachment>, parley::mcp::Failure> {
    if (id == "local1")
      return std::optional<SavedAttachment>(SavedAttachment{
          id, "local", "s1/0123456789abcdef0123456789abcdef__scan.pdf", "application/pdf", "scan.pdf"});
    if (id == "evil")
      return std::optional<SavedAttachment>(
          SavedAttachment{id, "local", "../../etc/passwd", "text/plain", "p"});
    if (id == "cloud")
      return std::optional<SavedAttachment>(SavedAttachment{id, "gcs", "s1/x", "application/pdf", "x.pdf"});
    return std::optional<SavedAttachment>();
  };
  auto server = make_pdf_server(std::move(options));

  auto doc = call(server, "extract_document",
                  {{"file_path", "s1/doc.pdf"},
                   {"pages", 2},
                   {"force_ocr", true},
                   {"extract_tables", true},
                   {"chunk_content", true},
                   {"max_chars", 5},
                   {"max_overlap", 0}});
  ASSERT_EQ(doc.at("isError"), false) << text_of(doc);
  const auto& s = doc.at("structuredContent").as_object();
  EXPECT_EQ(s.at("content"), "Bravo page two");
  EXPECT_EQ(s.at("chunks").as_array().size(), 3u);
  EXPECT_EQ(s.at("chunks").at(0).at("content"), "Bravo");
  EXPECT_EQ(s.at("warnings").as_array().size(), 2u);  // force_ocr and tables
  EXPECT_EQ(s.at("metadata").at("page_count"), 2);

  auto big = call(server, "extract_document", {{"file_path", "big.txt"}}).at("structuredContent").as_object();
  EXPECT_EQ(big.at("content").as_string().size(), 100u);
  EXPECT_NE(parley::json::serialize(big.at("warnings")).find("cut to 100 of 300"), std::string::npos);

  EXPECT_EQ(call(server, "extract_document", {{"file_path", "../../etc/passwd"}}).at("isError"), true);
  // Relative to the home (the parent of the uploads folder here), as the earlier server accepted them.
  const auto home_relative = uploads.path().filename().string() + "/s1/doc.pdf";
  EXPECT_EQ(call(server, "extract_document", {{"file_path", home_relative}}).at("isError"), false);
  EXPECT_EQ(call(server, "extract_document", {{"file_path", uploads.path().filename().string() + "/../x"}})
                .at("isError"),
            true);
  EXPECT_NE(text_of(call(server, "extract_document", {{"file_path", "https://example.com/a.pdf"}}))
                .find("not available"),
            std::string::npos);
  EXPECT_EQ(call(server, "extract_document", {{"file_path", "s1/doc.pdf"}, {"pages", true}}).at("isError"),
            true);
  EXPECT_EQ(text_of(call(server, "extract_simple", {{"file_path", "s1/doc.pdf"}})),
            "Alpha page one\n\nBravo page two");

  const auto b64 = parley::base64_encode(make_pdf({"From bytes"}));
  auto bytes = call(server, "extract_bytes", {{"content_base64", b64}, {"mime_type", "application/pdf"}});
  EXPECT_EQ(bytes.at("structuredContent").at("content"), "From bytes");
  EXPECT_EQ(call(server, "extract_bytes", {{"content_base64", "@@@"}, {"mime_type", "application/pdf"}})
                .at("isError"),
            true);

  auto batch =
      call(server, "batch_extract_document", {{"file_paths", bj::array{"s1/doc.pdf", "/etc/passwd", 7}}});
  const auto& results = batch.at("structuredContent").at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("file_path"), "s1/doc.pdf");
  EXPECT_TRUE(results[1].as_object().contains("error"));
  EXPECT_TRUE(results[2].as_object().contains("error"));
  EXPECT_EQ(batch.at("structuredContent").at("failed"), 2);
  EXPECT_EQ(call(server, "batch_extract_document", {{"file_paths", bj::array{}}}).at("isError"), true);

  auto batch_bytes =
      call(server, "batch_extract_bytes",
           {{"content_items", bj::array{bj::object{{"content_base64", b64}, {"mime_type", "application/pdf"}},
                                        bj::object{{"mime_type", "text/plain"}}}}});
  EXPECT_EQ(batch_bytes.at("structuredContent").at("succeeded"), 1);
  EXPECT_EQ(batch_bytes.at("structuredContent").at("results").at(0).at("content"), "From bytes");

  auto saved = call(server, "extract_saved_attachment", {{"attachment_id", "local1"}});
  ASSERT_EQ(saved.at("isError"), false) << text_of(saved);
  EXPECT_EQ(saved.at("structuredContent").at("content"), "Saved attachment text");
  EXPECT_EQ(saved.at("structuredContent").at("metadata").at("filename"), "scan.pdf");
  EXPECT_NE(text_of(call(server, "extract_saved_attachment", {{"attachment_id", "evil"}})).find("outside"),
            std::string::npos);
  EXPECT_NE(
      text_of(call(server, "extract_saved_attachment", {{"attachment_id", "cloud"}})).find("'gcs' storage"),
      std::string::npos);
  EXPECT_EQ(text_of(call(server, "extract_saved_attachment", {{"attachment_id", "nope"}})),
            "No attachment with id 'nope' exists.");

  auto listed = call(server, "list_upload_paths", {{"pattern", "*.pdf"}}).at("structuredContent").as_object();
  ASSERT_EQ(listed.at("files").as_array().size(), 1u);
  EXPECT_EQ(listed.at("files").at(0).at("relative_path"), "s1/doc.pdf");
  EXPECT_EQ(call(server, "list_upload_paths", {{"subdir", "../"}}).at("isError"), true);
  auto found = call(server, "search_upload_paths", {{"query", "DOC"}, {"session_id", "s1"}})
                   .at("structuredContent")
                   .as_object();
  EXPECT_EQ(found.at("files").as_array().size(), 1u);
  auto other = call(server, "search_upload_paths", {{"query", "doc"}, {"session_id", "../s1"}})
                   .at("structuredContent")
                   .as_object();
  EXPECT_TRUE(other.at("files").as_array().empty());  // "../s1" becomes the folder name ".._s1"
  EXPECT_EQ(call(server, "search_upload_paths", {{"query", "doc"}, {"session_id", ".."}}).at("isError"),
            true);
}
