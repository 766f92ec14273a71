// HTTPS: the server with a certificate and key answers over TLS 1.2+ (the
// client verifies the certificate and the address it names), refuses plain
// HTTP on that port without harm, and refuses a TLS configuration it cannot
// use with an error naming the file.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <memory>

#include "base/file.h"
#include "http/test_client.h"

namespace podium::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using testing::RunningServer;
using testing::SourcePath;
using testing::TestClient;
using testing::TestConfig;

struct PemPair {
  std::string certificate;
  std::string key;
};

// A self-signed P-256 certificate for 127.0.0.1 (CN and IP subjectAltName).
PemPair SelfSigned() {
  PemPair pem;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return pem;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  if (san == nullptr) return pem;
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return pem;
  auto to_pem = [](auto write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    write(bio.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  };
  pem.certificate = to_pem([&](BIO* bio) { PEM_write_bio_X509(bio, cert.get()); });
  pem.key = to_pem([&](BIO* bio) { PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return pem;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("podium_tls_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    pem_ = SelfSigned();
    ASSERT_FALSE(pem_.certificate.empty());
    ASSERT_TRUE(WriteFileAtomically((dir_ / "cert.pem").string(), pem_.certificate).ok());
    ASSERT_TRUE(WriteFileAtomically((dir_ / "key.pem").string(), pem_.key).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ServerConfig Config() const {
    ServerConfig config = TestConfig();
    config.tls_cert_file = (dir_ / "cert.pem").string();
    config.tls_key_file = (dir_ / "key.pem").string();
    config.models.push_back({"credit", SourcePath("src/pipeline/testdata/credit_glm.json"), "", "champion", 0, "", {}});
    return config;
  }

  std::filesystem::path dir_;
  PemPair pem_;
};

TEST_F(TlsTest, ServesOverVerifiedTlsAndRefusesPlainHttp) {
  RunningServer server(Config());
  ASSERT_TRUE(server.ok()) << server.error().ToString();

  asio::io_context io;
  ssl::context client(ssl::context::tls_client);
  client.add_certificate_authority(asio::buffer(pem_.certificate));
  client.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, client);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())));
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_GE(SSL_version(stream.native_handle()), TLS1_2_VERSION);

  for (int i = 0; i < 3; ++i) {  // keep-alive over one TLS connection
    bhttp::request<bhttp::string_body> request(bhttp::verb::post, "/v1/models/credit:predict", 11);
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::authorization, "Bearer secret");
    request.set(bhttp::field::content_type, "application/json");
    request.body() = R"({"records": [{"age": 30, "income": 100}]})";
    request.prepare_payload();
    bhttp::write(stream, request, ec);
    ASSERT_FALSE(ec) << ec.message();
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream, buffer, response, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(response.result_int(), 200u) << response.body();
    EXPECT_NE(response.body().find("\"version\":1"), std::string::npos) << response.body();
  }

  // Plain HTTP to the TLS port gets no HTTP answer, and the server lives on.
  TestClient plain(server.port(), 5);
  ASSERT_TRUE(plain.connected());
  testing::ClientResponse refused = plain.Send("GET", "/v2/health/live");
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(plain.ClosedByPeer());
  bhttp::request<bhttp::string_body> live(bhttp::verb::get, "/v2/health/live", 11);
  live.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(stream, live, ec);
  ASSERT_FALSE(ec) << ec.message();
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(stream, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 200u);
}

TEST_F(TlsTest, UnusableCertificateOrKeyIsAClearError) {
  ServerConfig config = Config();
  config.tls_cert_file = (dir_ / "missing.pem").string();
  RunningServer missing(config);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("missing.pem"), std::string::npos) << missing.error().ToString();

  // A key that is not the certificate's.
  const PemPair other = SelfSigned();
  ASSERT_TRUE(WriteFileAtomically((dir_ / "other-key.pem").string(), other.key).ok());
  config = Config();
  config.tls_key_file = (dir_ / "other-key.pem").string();
  RunningServer mismatched(config);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().message().find("mismatch"), std::string::npos)
      << mismatched.error().ToString();
}

}  // namespace
}  // namespace podium::http
