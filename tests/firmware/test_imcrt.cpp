// imcrt (firmware/apps/imcrt): packages compiled by imcc (scripts/imcc) from the committed ONNX
// models run on the whole platform; digital tiles must equal the compiler's int8 reference on
// every input; bad packages end with imcrt's documented exit codes (docs/compiler.md,
// "Runtime (imcrt)").
#include <algorithm>
#include <cmath>
#include <map>

#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

const std::string kSrc = IMCVP_SOURCE_DIR;
const std::string kDigital = kSrc + "/configs/soc/imc16-digital.yaml";
const std::string kPcm = kSrc + "/configs/soc/imc16-pcm.yaml";

struct Pkg {
  std::string path, log;
  nlohmann::json manifest;
  std::string load() const { return path + "@" + manifest["load_addr"].get<std::string>(); }
};

std::filesystem::path scratch() {
  auto d = std::filesystem::temp_directory_path() / ("imcvp-imcrt-" + std::to_string(getpid()));
  std::filesystem::create_directories(d);
  return d;
}

// `imcc compile models/onnx/MODEL.onnx -c SOC --inputs MODEL_inputs.npz EXTRA` (cached per
// process). A compile failure leaves the manifest null (REQUIRE_PKG fails, or skips when a
// Python module is missing).
Pkg compile(const std::string& tag, const std::string& model, const std::string& soc,
            const std::string& extra = "") {
  static std::map<std::string, Pkg> cache;
  if (auto it = cache.find(tag); it != cache.end()) return it->second;
  Pkg p;
  p.path = (scratch() / (tag + ".pkg")).string();
  p.log = p.path + ".log";
  std::string onnx = kSrc + "/models/onnx/" + model + ".onnx";
  std::string npz = kSrc + "/models/onnx/" + model + "_inputs.npz";
  std::string cmd = "/usr/bin/python3 " + shell_quote(kSrc + "/scripts/imcc") + " compile " +
                    shell_quote(onnx) + " -c " + shell_quote(soc) + " --inputs " +
                    shell_quote(npz) + " " + extra + " -o " + shell_quote(p.path) + " > " +
                    shell_quote(p.log) + " 2>&1";
  if (std::system(cmd.c_str()) == 0)
    p.manifest = nlohmann::json::parse(read_text(p.path + ".json"));
  cache[tag] = p;
  return p;
}

// A failed compile is a test failure; only a missing Python module (python3-onnx/-numpy, which
// scripts/install-deps --test installs) skips.
#define REQUIRE_PKG(p)                                                                        \
  do {                                                                                        \
    if (!(p).manifest.is_null()) break;                                                       \
    const std::string log_ = read_text((p).log);                                              \
    if (contains(log_, "No module named")) GTEST_SKIP() << "python module missing: " << log_; \
    FAIL() << "imcc compile failed: " << log_;                                                \
  } while (0)

int reloads(const Pkg& p) {
  for (const auto& e : p.manifest["passes"])
    if (e["pass"] == "reload") return e["phases"].get<int>();
  return -1;
}

// Runs a package on SOC and checks it equals the int8 reference on every input.
void expect_exact(const Pkg& p, const std::string& soc) {
  auto r = run_imcvp({"run", "-c", soc, "--load", p.load(), fw("imcrt")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  int n = p.manifest["inputs"].get<int>();
  ASSERT_GT(n, 0);
  EXPECT_EQ(r.stat("firmware.inputs"), n);
  EXPECT_EQ(r.stat("firmware.int8ref_match"), n) << r.out;
  EXPECT_TRUE(contains(r.out, "int8ref_match " + std::to_string(n) + "/" + std::to_string(n)))
      << r.out;
  // The host's argmax over the dequantised outputs = the compiler's int8 accuracy.
  double acc = p.manifest["accuracy"]["int8"].get<double>();
  EXPECT_NEAR(r.stat("firmware.accuracy_x100"), std::round(acc * 10000), 0.5) << r.out;
  EXPECT_EQ(r.stat("firmware.phases"), p.manifest["header"]["n_phases"].get<int>());
  EXPECT_GT(r.stat("firmware.ns_per_input"), 0);
  EXPECT_GT(r.stat("firmware.throughput_x100"), 0);
  auto s = r.stats();
  ASSERT_TRUE(s.contains("roi"));
  EXPECT_GT(s["roi"][0]["delta"]["energy.total"]["value"].get<double>(), 0);
}

TEST(Imcrt, MlpDigitalEqualsInt8Reference) {
  auto p = compile("mlp", "mlp_digits", kDigital);
  REQUIRE_PKG(p);
  expect_exact(p, kDigital);
}

TEST(Imcrt, CnnDigitalEqualsInt8Reference) {
  auto p = compile("cnn", "cnn_digits", kDigital);
  REQUIRE_PKG(p);
  expect_exact(p, kDigital);
}

TEST(Imcrt, CnnLatencyModeEqualsInt8Reference) {
  auto p = compile("cnn-latency", "cnn_digits", kDigital, "--mode latency");
  REQUIRE_PKG(p);
  expect_exact(p, kDigital);
}

TEST(Imcrt, CnnOnTwoTilesEqualsInt8Reference) {
  auto p = compile("cnn-t2", "cnn_digits", kDigital, "--tiles-max 2");
  REQUIRE_PKG(p);
  expect_exact(p, kDigital);
}

// One tile for a two-layer model, one block per tile (--pack none): the weights are reloaded
// for every window of inputs.
TEST(Imcrt, MlpWeightReloadingEqualsInt8Reference) {
  auto p = compile("mlp-t1", "mlp_digits", kDigital, "--tiles-max 1 --pack none");
  REQUIRE_PKG(p);
  ASSERT_GT(reloads(p), 1);
  expect_exact(p, kDigital);
}

TEST(Imcrt, CnnWeightReloadingEqualsInt8Reference) {
  auto p = compile("cnn-t1", "cnn_digits", kDigital, "--tiles-max 1 --pack none");
  REQUIRE_PKG(p);
  ASSERT_GT(reloads(p), 1);
  expect_exact(p, kDigital);
}

// Packing (imcc pass pack): both MLP layers share the one tile (MVM ROW0/COL0, bias and scale
// at the physical columns), programmed once: one phase, no reload, exact.
TEST(Imcrt, MlpPackedOnOneTileEqualsInt8Reference) {
  auto p = compile("mlp-t1-packed", "mlp_digits", kDigital, "--tiles-max 1");
  REQUIRE_PKG(p);
  ASSERT_EQ(reloads(p), 1);
  expect_exact(p, kDigital);
}

// The residual CNN (Fashion-MNIST, 13 convs, 302k weights) on a few inputs (a subset of its
// input set, calibrated on all of it): resident on the 16 digital tiles in one phase (packed,
// replicated into the spare columns), and on 2 tiles with weights reloaded every window.
std::string resnet_subset(int n) {
  auto path = (scratch() / ("resnet_in" + std::to_string(n) + ".npz")).string();
  std::string full = kSrc + "/models/onnx/resnet_fashion_inputs.npz";
  std::string cmd = "/usr/bin/python3 -c \"import numpy as np; z = np.load('" + full +
                    "'); np.savez('" + path + "', images=z['images'][:" + std::to_string(n) +
                    "], labels=z['labels'][:" + std::to_string(n) + "])\"";
  if (std::system(cmd.c_str()) != 0) return "";  // numpy missing (the caller skips)
  return "--inputs " + shell_quote(path) + " --calib " + shell_quote(full);
}

TEST(Imcrt, ResnetResidentOn16TilesEqualsInt8Reference) {
  auto sub = resnet_subset(4);
  if (sub.empty()) GTEST_SKIP() << "python3-numpy missing";
  auto p = compile("resnet-16", "resnet_fashion", kDigital, sub);
  REQUIRE_PKG(p);
  ASSERT_EQ(reloads(p), 1);
  bool replicas = false;
  for (const auto& e : p.manifest["passes"])
    if (e["pass"] == "replicate") replicas = !e["replicas"].empty();
  EXPECT_TRUE(replicas);
  expect_exact(p, kDigital);
}

TEST(Imcrt, ResnetReloadedOnTwoTilesEqualsInt8Reference) {
  auto sub = resnet_subset(2);
  if (sub.empty()) GTEST_SKIP() << "python3-numpy missing";
  auto p = compile("resnet-t2", "resnet_fashion", kDigital, "--tiles-max 2 " + sub);
  REQUIRE_PKG(p);
  ASSERT_GT(reloads(p), 1);
  expect_exact(p, kDigital);
}

// LOOP body programs: the host copies each tile's program once per window instead of once per
// input (the tile's command processor repeats it with per-input address increments). Same
// outputs; host instructions per input (ROI 1 = the whole run) fall by a large factor, and so
// does the time per input (the CNN was host-bound).
TEST(Imcrt, CnnLoopBodiesCutHostInstructionsPerInput) {
  auto loop = compile("cnn", "cnn_digits", kDigital);
  auto copy = compile("cnn-noloop", "cnn_digits", kDigital, "--loop none");
  REQUIRE_PKG(loop);
  REQUIRE_PKG(copy);
  int looped = 0;
  for (const auto& pr : loop.manifest["programs"])
    if (pr["kind"] == "body") {
      EXPECT_TRUE(pr["loop"].get<bool>()) << pr.dump();
      looped += pr["loop"].get<bool>();
    }
  EXPECT_EQ(looped, 7);
  double instr[2] = {0, 0}, ns[2] = {0, 0};
  const Pkg* pk[2] = {&loop, &copy};
  for (int i = 0; i < 2; ++i) {
    auto r = run_imcvp({"run", "-c", kDigital, "--load", pk[i]->load(), fw("imcrt")});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    int n = pk[i]->manifest["inputs"].get<int>();
    EXPECT_EQ(r.stat("firmware.int8ref_match"), n) << r.out;
    auto s = r.stats();
    instr[i] = s["roi"][0]["delta"]["soc.cpu.instructions"]["value"].get<double>() / n;
    ns[i] = r.stat("firmware.ns_per_input");
    EXPECT_EQ(r.stat("firmware.loop_bodies"), i == 0 ? 7 : 0) << r.out;
    EXPECT_TRUE(contains(
        r.out, i == 0 ? "7 of 7 body programs run as LOOPs" : "0 of 7 body programs run as LOOPs"))
        << r.out;
  }
  // Measured: ~940 vs ~8,140 host instructions per input, 9.5 vs 22.8 us per input.
  EXPECT_LT(instr[0] * 5, instr[1]) << instr[0] << " vs " << instr[1];
  EXPECT_LT(ns[0] * 1.5, ns[1]) << ns[0] << " vs " << ns[1];
}

// imcrt built with 16-slot rings: the CNN's LOOP body of 25 + 1 descriptors does not fit, so
// that tile's body runs as per-input copies (without its LOOP) next to the other tiles' LOOPs.
TEST(Imcrt, LoopProgramLargerThanTheRingFallsBackToPerInputCopies) {
  auto p = compile("cnn", "cnn_digits", kDigital);
  REQUIRE_PKG(p);
  int fits = 0;
  for (const auto& pr : p.manifest["programs"])
    if (pr["kind"] == "body") fits += pr["descriptors"].get<int>() + 1 <= 16;
  ASSERT_EQ(fits, 6);
  auto r = run_imcvp({"run", "-c", kDigital, "--load", p.load(), fw("imcrt_ring16")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  int n = p.manifest["inputs"].get<int>();
  EXPECT_EQ(r.stat("firmware.int8ref_match"), n) << r.out;
  EXPECT_EQ(r.stat("firmware.loop_bodies"), 6) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "6 of 7 body programs run as LOOPs (copied once per window), 1 "
                       "per input (LOOP programs larger than their ring included); rings "
                       "of 16..16 slots"))
      << r.out;
}

// Analog PCM tiles are not exact: imcrt still runs every input and reports the accuracy.
TEST(Imcrt, PcmReportsAccuracy) {
  auto p = compile("mlp-pcm", "mlp_digits", kPcm);
  REQUIRE_PKG(p);
  auto r = run_imcvp({"run", "-c", kPcm, "--load", p.load(), fw("imcrt")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  int n = p.manifest["inputs"].get<int>();
  EXPECT_EQ(r.stat("firmware.inputs"), n);
  EXPECT_GE(r.stat("firmware.int8ref_match"), 0);
  // Within a few points of the int8 accuracy (the PCM noise model; 97.8 % int8 here).
  double acc = p.manifest["accuracy"]["int8"].get<double>();
  EXPECT_GT(r.stat("firmware.accuracy_x100"), acc * 10000 - 500) << r.out;
  EXPECT_GT(r.stats()["energy"]["programming"]["value"].get<double>(), 0);
  // Drift compensation: every analog tile holding weights ran CALIBRATE after programming.
  const double cal = r.stat("firmware.calibrations");
  EXPECT_GE(cal, 1) << r.out;
  double ops = 0;
  for (int t = 0; t < 16; ++t)
    ops += std::max(0.0, r.stat("soc.tile" + std::to_string(t) + ".ops.calibrate"));
  EXPECT_GE(ops, cal);  // tiles without weights answer not_programmed and are skipped
}

// ---- bad input ----

TEST(ImcrtBadInput, NoPackage) {
  auto r = run_imcvp({"run", "-c", kDigital, fw("imcrt")});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "imcrt: error: no package at 0x40100000")) << r.out;
  EXPECT_TRUE(contains(r.out, "--load PKG@0x40100000")) << r.out;
}

TEST(ImcrtBadInput, CorruptPackageFailsTheChecksum) {
  auto p = compile("mlp", "mlp_digits", kDigital);
  REQUIRE_PKG(p);
  std::string bytes = read_text(p.path);
  bytes[bytes.size() / 2] ^= 0x10;  // inside a section, not the header
  auto bad = scratch() / "corrupt.pkg";
  std::ofstream(bad, std::ios::binary) << bytes;
  auto r = run_imcvp({"run", "-c", kDigital, "--load", bad.string() + "@0x40100000", fw("imcrt")});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "imcrt: error: package checksum mismatch")) << r.out;
  EXPECT_FALSE(contains(r.out, "int8ref_match")) << r.out;
}

TEST(ImcrtBadInput, TruncatedPackage) {
  auto p = compile("mlp", "mlp_digits", kDigital);
  REQUIRE_PKG(p);
  std::string bytes = read_text(p.path);
  auto bad = scratch() / "truncated.pkg";
  std::ofstream(bad, std::ios::binary) << bytes.substr(0, bytes.size() - 4096);
  auto r = run_imcvp({"run", "-c", kDigital, "--load", bad.string() + "@0x40100000", fw("imcrt")});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "checksum mismatch")) << r.out;
}

TEST(ImcrtBadInput, PackageForAnalogTilesOnDigitalSoc) {
  auto p = compile("mlp-pcm", "mlp_digits", kPcm);
  REQUIRE_PKG(p);
  auto r = run_imcvp({"run", "-c", kDigital, "--load", p.load(), fw("imcrt")});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "imcrt: error: package compiled for another SoC: tile 0 is analog "
                       "256x256 in the package, digital 256x256 here"))
      << r.out;
}

TEST(ImcrtBadInput, PackageForMoreTiles) {
  auto p = compile("mlp", "mlp_digits", kDigital);
  REQUIRE_PKG(p);
  auto r = run_imcvp({"run", "--set", "tiles=[{kind: digital}, {kind: digital}]", "--load",
                      p.load(), fw("imcrt")});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "another SoC: 16 tiles, this SoC has 2")) << r.out;
}

TEST(ImcrtBadInput, PackageForAnotherDramSize) {
  auto p = compile("mlp", "mlp_digits", kDigital);
  REQUIRE_PKG(p);
  auto r = run_imcvp({"run", "-c", kDigital, "--set", "dram.size_bytes=0x4000000", "--load",
                      p.load(), fw("imcrt")});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "another SoC: DRAM window 0x40000000 + 0x10000000")) << r.out;
}

// A descriptor the tile refuses (checksum recomputed, so only the tile can notice): imcrt
// stops and names the tile, queue index, op, error and word.
TEST(ImcrtBadInput, DescriptorErrorIsDecoded) {
  auto p = compile("mlp", "mlp_digits", kDigital);
  REQUIRE_PKG(p);
  auto bad = scratch() / "bad-desc.pkg";
  // The first MVM descriptor of a body program gets ROWS = 4096 (beyond the array: bad_dim).
  std::string py =
      "import struct,sys\n"
      "b=bytearray(open(sys.argv[1],'rb').read())\n"
      "h=struct.unpack_from('<32I',b,0)\n"
      "ns,do=h[12],h[13]\n"
      "sec={}\n"
      "for i in range(ns):\n"
      "  sid,off,size,cnt=struct.unpack_from('<4I',b,do+16*i); sec[sid]=(off,cnt)\n"
      "off,cnt=sec[3]\n"
      "for k in range(cnt):\n"
      "  if b[off+64*k]==1:\n"
      "    struct.pack_into('<I',b,off+64*k+4,4096); break\n"
      "h=0x811C9DC5\n"
      "for x in b[16:]: h=((h^x)*0x01000193)&0xFFFFFFFF\n"
      "struct.pack_into('<I',b,12,h)\n"
      "open(sys.argv[2],'wb').write(b)\n";
  auto script = scratch() / "bad_desc.py";
  std::ofstream(script) << py;
  std::string cmd = "/usr/bin/python3 " + shell_quote(script.string()) + " " + shell_quote(p.path) +
                    " " + shell_quote(bad.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto r = run_imcvp({"run", "-c", kDigital, "--load", bad.string() + "@0x40100000", "--max-time",
                      "50ms", fw("imcrt")});
  EXPECT_EQ(r.code, 6) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "imcrt: error: tile ")) << r.out;
  EXPECT_TRUE(contains(r.out, ": MVM: bad_dim (code 3), word 1 = 0x00001000")) << r.out;
  EXPECT_TRUE(contains(r.out, "body program descriptor")) << r.out;
  // The MVM is in a LOOP body: the window's inputs are named, not one input.
  EXPECT_TRUE(contains(r.out, "(LOOP over this input and the next ones of its window)")) << r.out;
}

// A tiny Transformer encoder (tests/imcc/transformer_models.py: 8 tokens, width 16, 2 heads,
// pre-LN or post-LN, LayerNorm and GELU decomposed as PyTorch exports them at opset 13): the
// projections and the MLP on the tiles, layer norm, GELU, softmax, Q.K^T and softmax.V as host
// steps on the core between tile stages; every output equals the int8 reference.
Pkg compile_transformer(const std::string& tag, const std::string& flags,
                        const std::string& imcc_flags = "--attention host") {
  auto onnx = scratch() / (tag + ".onnx");
  auto npz = scratch() / (tag + "_inputs.npz");
  std::string gen = "/usr/bin/python3 " + shell_quote(kSrc + "/tests/imcc/transformer_models.py") +
                    " " + shell_quote(onnx.string()) + " " + shell_quote(npz.string()) + " " +
                    flags + " > /dev/null 2>&1";
  Pkg p;
  p.path = (scratch() / (tag + ".pkg")).string();
  p.log = p.path + ".log";
  if (std::system(gen.c_str()) != 0) return p;
  std::string cmd = "/usr/bin/python3 " + shell_quote(kSrc + "/scripts/imcc") + " compile " +
                    shell_quote(onnx.string()) + " -c " + shell_quote(kDigital) + " --inputs " +
                    shell_quote(npz.string()) + " " + imcc_flags + " -o " + shell_quote(p.path) +
                    " > " + shell_quote(p.log) + " 2>&1";
  if (std::system(cmd.c_str()) == 0)
    p.manifest = nlohmann::json::parse(read_text(p.path + ".json"));
  return p;
}

void expect_transformer_exact(const Pkg& p, bool matmul_on_host = true) {
  auto r = run_imcvp({"run", "-c", kDigital, "--load", p.load(), fw("imcrt")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  int n = p.manifest["inputs"].get<int>();
  EXPECT_EQ(r.stat("firmware.int8ref_match"), n) << r.out;
  EXPECT_GT(r.stat("firmware.phases"), 3);  // tile stages between host steps
  EXPECT_GT(r.stat("firmware.host_steps"), 0);
  for (const char* k :
       {"firmware.host_layernorm_us", "firmware.host_gelu_us", "firmware.host_softmax_us"})
    EXPECT_GE(r.stat(k), 0) << k;
  // Q.K^T and softmax.V: host steps, or MVMs on the attention tile (no host matmul at all)
  if (matmul_on_host)
    EXPECT_GE(r.stat("firmware.host_matmul_us"), 0);
  else
    EXPECT_EQ(r.stat("firmware.host_matmul_us"), -1);
  EXPECT_TRUE(contains(r.out, "host steps: ")) << r.out;
}

TEST(Imcrt, TransformerPreLnEqualsInt8Reference) {
  auto p = compile_transformer("tf-pre", "");
  REQUIRE_PKG(p);
  expect_transformer_exact(p);
}

TEST(Imcrt, TransformerPostLnEqualsInt8Reference) {
  auto p = compile_transformer("tf-post", "--post-ln");
  REQUIRE_PKG(p);
  expect_transformer_exact(p);
}

// Q.K^T and softmax.V on a digital tile programmed per input (PROGRAM from the activation
// frame in the body program): the same int8 reference.
TEST(Imcrt, TransformerAttentionOnTilesEqualsInt8Reference) {
  auto p = compile_transformer("tf-tiles", "", "--attention tiles");
  REQUIRE_PKG(p);
  expect_transformer_exact(p, false);
}

// A host step with an unknown op (checksum recomputed): refused before any tile is touched.
TEST(ImcrtBadInput, CorruptHostStepIsRefused) {
  auto p = compile_transformer("tf-pre", "");
  REQUIRE_PKG(p);
  auto bad = scratch() / "bad-step.pkg";
  std::string py =
      "import struct,sys\n"
      "b=bytearray(open(sys.argv[1],'rb').read())\n"
      "h=struct.unpack_from('<32I',b,0)\n"
      "for i in range(h[12]):\n"
      "  sid,off,size,cnt=struct.unpack_from('<4I',b,h[13]+16*i)\n"
      "  if sid==12: struct.pack_into('<I',b,off,9)\n"
      "h=0x811C9DC5\n"
      "for x in b[16:]: h=((h^x)*0x01000193)&0xFFFFFFFF\n"
      "struct.pack_into('<I',b,12,h)\n"
      "open(sys.argv[2],'wb').write(b)\n";
  auto script = scratch() / "bad_step.py";
  std::ofstream(script) << py;
  std::string cmd = "/usr/bin/python3 " + shell_quote(script.string()) + " " + shell_quote(p.path) +
                    " " + shell_quote(bad.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto r = run_imcvp({"run", "-c", kDigital, "--load", bad.string() + "@0x40100000", fw("imcrt")});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "imcrt: error: host step 0: op 9 / phase")) << r.out;
}

// `imcc run`: compile + imcvp + outputs.npy + report, the one command a user types.
TEST(ImccRun, MlpEndToEnd) {
  std::filesystem::path bin(IMCVP_BIN);
  auto build = bin.parent_path();
  if (!std::filesystem::exists(build / "firmware/bin/imcrt.elf"))
    GTEST_SKIP() << "imcc run expects the firmware in " << build / "firmware/bin";
  auto dir = scratch() / "imcc-run";
  std::filesystem::remove_all(dir);
  std::string log = (scratch() / "imcc-run.log").string();
  std::string cmd = "IMCVP_BUILD=" + shell_quote(build.string()) + " /usr/bin/python3 " +
                    shell_quote(kSrc + "/scripts/imcc") + " run " +
                    shell_quote(kSrc + "/models/onnx/mlp_digits.onnx") + " -c " +
                    shell_quote(kDigital) + " --inputs " +
                    shell_quote(kSrc + "/models/onnx/mlp_digits_inputs.npz") + " -d " +
                    shell_quote(dir.string()) + " > " + shell_quote(log) + " 2>&1";
  int st = std::system(cmd.c_str());
  std::string out = read_text(log);
  if (contains(out, "No module named")) GTEST_SKIP() << out;
  ASSERT_EQ(WEXITSTATUS(st), 0) << out;
  EXPECT_TRUE(contains(out, "int8ref_match        360")) << out;
  auto rep = nlohmann::json::parse(read_text(dir / "report.json"));
  EXPECT_EQ(rep["int8ref_match"], 360);
  EXPECT_GT(rep["uj_per_input"].get<double>(), 0);
  // outputs.npy: [360, 10] int32 = the package's expected outputs (the reference).
  ASSERT_TRUE(std::filesystem::exists(dir / "outputs.npy"));
  std::string npy = read_text(dir / "outputs.npy");
  EXPECT_TRUE(contains(npy.substr(0, 128), "(360, 10)")) << npy.substr(0, 128);
  EXPECT_TRUE(contains(npy.substr(0, 128), "<i4")) << npy.substr(0, 128);
}

}  // namespace
