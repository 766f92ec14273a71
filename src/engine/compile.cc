// Lowers a validated Pipeline into a Plan (plan.h).
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <type_traits>

#include "engine/plan.h"
#include "pipeline/prediction.h"
#include "pipeline/validate.h"

namespace podium::engine::internal {
namespace {

class Compiler {
 public:
  explicit Compiler(const Pipeline& pipeline) : plan_(std::make_unique<Plan>()) {
    plan_->pipeline = pipeline;
  }

  Result<std::unique_ptr<Plan>> Run() {
    const Pipeline& p = plan_->pipeline;
    RETURN_IF_ERROR(ValidatePipeline(p));
    ASSIGN_OR_RETURN(columns_, ResolveColumns(p));
    plan_->num_inputs = static_cast<int>(p.inputs.size());
    plan_->score_slot = static_cast<int>(columns_.columns.size());
    plan_->num_slots = plan_->score_slot + 1;
    plan_->task = p.model.task;
    plan_->num_outputs = ModelOutputCount(p.model);
    plan_->num_values = p.model.task == Task::kRegression ? 1 : static_cast<int>(p.model.classes.size());
    plan_->num_derived = static_cast<int>(p.post.outputs.size());
    if (plan_->num_derived > 0) {
      plan_->value_slot = plan_->num_slots;
      plan_->derived_slot = plan_->value_slot + plan_->num_values;
      plan_->num_slots = plan_->derived_slot + plan_->num_derived;
    }
    if (!p.post.prediction_expression.empty()) {
      plan_->can_explain = false;
      plan_->explain_error = "post.prediction_expression replaces the model's prediction, so feature "
                             "contributions would not add up to it";
    }
    if (p.model.task == Task::kClustering) {
      plan_->can_explain = false;
      plan_->explain_error = "a clustering model has no reason codes: its outputs are distances to cluster "
                             "centers, not a score made of feature contributions";
    }

    CollectLevels();
    for (const InputField& field : p.inputs) {
      plan_->input_is_category.push_back(field.type == FieldType::kCategory ? 1 : 0);
    }
    for (size_t i = 0; i < p.transforms.size(); ++i) RETURN_IF_ERROR(CompileTransform(i));
    for (const std::string& name : p.features) {
      plan_->feature_slots.push_back(static_cast<int32_t>(columns_.index.find(name)->second));
    }
    plan_->num_features = static_cast<int>(p.features.size());
    RETURN_IF_ERROR(CompilePost());
    // Every level code is known now (expressions may have added literals).
    FinishLevelTables();
    if (const auto* glm = std::get_if<GlmModel>(&p.model.body)) {
      CompileGlm(*glm);
    } else if (const auto* clustering = std::get_if<ClusteringModel>(&p.model.body)) {
      CompileClustering(*clustering);
    } else {
      const auto& ensemble = std::get<TreeEnsembleModel>(p.model.body);
      if (ensemble.precision == NumericPrecision::kFloat32) {
        plan_->float32 = true;
        CompileForest(ensemble, &plan_->forest32);
        BuildCompactNodes(&plan_->forest32);
        BuildPerfectTrees(&plan_->forest32);
      } else {
        CompileForest(ensemble, &plan_->forest64);
      }
    }
    plan_->needs_slots = !p.transforms.empty() || !plan_->rules.empty() || plan_->prediction_program >= 0 ||
                         !plan_->output_programs.empty() || (plan_->is_glm && plan_->glm.offset_slot >= 0);
    return std::move(plan_);
  }

 private:
  int32_t Code(std::string_view text) {
    auto it = plan_->level_codes.find(text);
    if (it != plan_->level_codes.end()) return it->second;
    const int32_t code = static_cast<int32_t>(plan_->code_names.size());
    plan_->level_codes.emplace(std::string(text), code);
    plan_->code_names.emplace_back(text);
    return code;
  }

  // Gives every string the pipeline mentions outside expressions a code, in
  // a deterministic order.
  void CollectLevels() {
    const Pipeline& p = plan_->pipeline;
    for (const InputField& field : p.inputs) {
      for (const std::string& level : field.levels) Code(level);
      for (const ValuePolicy* policy : {&field.on_missing, &field.on_invalid}) {
        if (policy->kind == ValuePolicyKind::kReplace) {
          if (const auto* text = std::get_if<std::string>(&policy->replacement)) Code(*text);
        }
      }
    }
    for (const Transform& transform : p.transforms) {
      if (const auto* t = std::get_if<ImputeTransform>(&transform)) {
        if (const auto* text = std::get_if<std::string>(&t->value)) Code(*text);
      } else if (const auto* t = std::get_if<BucketizeTransform>(&transform)) {
        for (const std::string& label : t->labels) Code(label);
      } else if (const auto* t = std::get_if<OneHotTransform>(&transform)) {
        for (const std::string& level : t->levels) Code(level);
      } else if (const auto* t = std::get_if<OrdinalTransform>(&transform)) {
        for (const std::string& level : t->levels) Code(level);
      }
    }
    if (const auto* clustering = std::get_if<ClusteringModel>(&p.model.body)) {
      for (const CompareTable& table : clustering->tables) {
        for (const std::string& level : table.levels) Code(level);
      }
    }
    if (const auto* ensemble = std::get_if<TreeEnsembleModel>(&p.model.body)) {
      for (const Tree& tree : ensemble->trees) {
        for (const auto& levels : tree.category_levels) {
          for (const std::string& level : levels) Code(level);
        }
      }
    }
  }

  int32_t Slot(const std::string& column) const {
    return static_cast<int32_t>(columns_.index.find(column)->second);
  }

  // What an expression sees besides the columns: nothing (derive
  // transforms), or `score`, the first `outputs` derived outputs and, with
  // `values`, the value columns (validate.h, PostColumnType).
  struct Scope {
    bool post = false;
    bool values = false;
    size_t outputs = 0;
  };

  // The slot of a post-processing name: `score`, a value column or one of
  // the first `outputs` derived outputs.
  std::optional<int> PostSlot(std::string_view name, const Scope& scope) const {
    const Pipeline& p = plan_->pipeline;
    if (name == "score") return plan_->score_slot;
    for (size_t i = 0; i < scope.outputs; ++i) {
      if (p.post.outputs[i].name == name) return plan_->derived_slot + static_cast<int>(i);
    }
    if (!scope.values) return std::nullopt;
    const std::vector<std::string> values = ValueColumnNames(p);
    for (size_t k = 0; k < values.size(); ++k) {
      if (values[k] == name) return plan_->value_slot + static_cast<int>(k);
    }
    return std::nullopt;
  }

  // Compiles an expression over the columns and `scope`.
  Result<int32_t> CompileExpression(const std::string& text, const Scope& scope) {
    ASSIGN_OR_RETURN(std::unique_ptr<expr::Node> ast, expr::Parse(text));
    auto column_type = [&](std::string_view name) -> std::optional<expr::Type> {
      if (!scope.post) {
        if (const ColumnInfo* info = columns_.Find(name)) return ExprTypeOf(info->type);
        return std::nullopt;
      }
      return PostColumnType(plan_->pipeline, columns_, derived_types_, scope.outputs, scope.values, name);
    };
    expr::SlotBinding binding;
    binding.slot = [&](std::string_view name) -> std::optional<int> {
      auto it = columns_.index.find(name);
      if (it != columns_.index.end()) return it->second;
      if (scope.post) return PostSlot(name, scope);
      return std::nullopt;
    };
    binding.level_code = [&](std::string_view, std::string_view literal) -> std::optional<double> {
      return static_cast<double>(Code(literal));
    };
    ASSIGN_OR_RETURN(expr::Program program, expr::Compile(*ast, column_type, binding));
    plan_->programs.push_back(std::move(program));
    return static_cast<int32_t>(plan_->programs.size() - 1);
  }

  Status CompileTransform(size_t index) {
    const Transform& transform = plan_->pipeline.transforms[index];
    TransformOp op;
    op.where = "transforms[" + std::to_string(index) + "] (" + std::string(TransformOpName(transform)) + ")";
    const std::vector<std::string> outputs = TransformOutputs(transform);
    op.out = Slot(outputs.front());
    if (const auto* t = std::get_if<ImputeTransform>(&transform)) {
      op.kind = OpKind::kImpute;
      op.in = Slot(t->input);
      if (const auto* text = std::get_if<std::string>(&t->value)) {
        op.a = static_cast<double>(Code(*text));
      } else {
        op.a = std::get<double>(t->value);
      }
    } else if (const auto* t = std::get_if<ClipTransform>(&transform)) {
      op.kind = OpKind::kClip;
      op.in = Slot(t->input);
      op.a = t->min.value_or(-std::numeric_limits<double>::infinity());
      op.b = t->max.value_or(std::numeric_limits<double>::infinity());
    } else if (const auto* t = std::get_if<StandardizeTransform>(&transform)) {
      op.kind = OpKind::kStandardize;
      op.in = Slot(t->input);
      op.a = t->mean;
      op.b = t->scale;
    } else if (const auto* t = std::get_if<MinMaxTransform>(&transform)) {
      op.kind = OpKind::kMinMax;
      op.in = Slot(t->input);
      op.a = t->min;
      op.b = t->max;
      op.c = t->to_min;
      op.d = t->to_max;
    } else if (const auto* t = std::get_if<MathTransform>(&transform)) {
      op.in = Slot(t->input);
      switch (t->function) {
        case MathFunction::kLog: op.kind = OpKind::kLog; break;
        case MathFunction::kLog1p: op.kind = OpKind::kLog1p; break;
        case MathFunction::kPower: op.kind = OpKind::kPower; break;
      }
      op.a = t->exponent;
    } else if (const auto* t = std::get_if<BucketizeTransform>(&transform)) {
      op.kind = OpKind::kBucketize;
      op.in = Slot(t->input);
      op.edges = t->edges;
      op.right_closed = t->right_closed;
      for (size_t b = 0; b <= t->edges.size(); ++b) {
        op.bucket_values.push_back(t->labels.empty() ? static_cast<double>(b)
                                                     : static_cast<double>(Code(t->labels[b])));
      }
    } else if (const auto* t = std::get_if<OneHotTransform>(&transform)) {
      op.kind = OpKind::kOneHot;
      op.in = Slot(t->input);
      op.column = t->input;
      op.unknown = t->unknown;
      op.num_levels = static_cast<int32_t>(t->levels.size());
      for (const std::string& level : t->levels) op.level_of_code.push_back(Code(level));
    } else if (const auto* t = std::get_if<OrdinalTransform>(&transform)) {
      op.kind = OpKind::kOrdinal;
      op.in = Slot(t->input);
      op.column = t->input;
      op.unknown = t->unknown;
      op.unknown_value = t->unknown_value;
      op.num_levels = static_cast<int32_t>(t->levels.size());
      for (const std::string& level : t->levels) op.level_of_code.push_back(Code(level));
    } else if (const auto* t = std::get_if<DeriveTransform>(&transform)) {
      op.kind = OpKind::kDerive;
      Result<int32_t> program = CompileExpression(t->expression, Scope{});
      if (!program.ok()) return program.status().WithContext(op.where + ": expression");
      op.program = *program;
    }
    plan_->ops.push_back(std::move(op));
    return Status::Ok();
  }

  Status CompilePost() {
    const Pipeline& p = plan_->pipeline;
    plan_->threshold = p.post.threshold.value_or(0.5);
    plan_->decision_vocabulary = DecisionVocabulary(p);
    if (!p.post.prediction_expression.empty()) {
      Result<int32_t> program = CompileExpression(p.post.prediction_expression, Scope{.post = true});
      if (!program.ok()) return program.status().WithContext("post.prediction_expression");
      plan_->prediction_program = *program;
    }
    ASSIGN_OR_RETURN(derived_types_, DerivedOutputTypes(p, columns_));
    for (size_t i = 0; i < p.post.outputs.size(); ++i) {
      Result<int32_t> program =
          CompileExpression(p.post.outputs[i].expression, Scope{.post = true, .values = true, .outputs = i});
      if (!program.ok()) return program.status().WithContext("post.outputs[" + std::to_string(i) + "]");
      plan_->output_programs.push_back(*program);
      std::vector<double> codes;
      for (const std::string& category : p.post.outputs[i].categories) codes.push_back(Code(category));
      plan_->output_codes.push_back(std::move(codes));
    }
    const Scope rule_scope{.post = true, .values = false, .outputs = p.post.outputs.size()};
    for (size_t i = 0; i < p.post.rules.size(); ++i) {
      const BusinessRule& rule = p.post.rules[i];
      RulePlan compiled;
      Result<int32_t> program = CompileExpression(rule.when, rule_scope);
      if (!program.ok()) {
        return program.status().WithContext("post.rules[" + std::to_string(i) + "]: when");
      }
      compiled.program = *program;
      compiled.is_override = rule.action == RuleAction::kOverride;
      if (compiled.is_override) {
        const auto& vocabulary = plan_->decision_vocabulary;
        compiled.decision = static_cast<int32_t>(
            std::find(vocabulary.begin(), vocabulary.end(), rule.decision) - vocabulary.begin());
      }
      plan_->rules.push_back(compiled);
    }
    return Status::Ok();
  }

  // Turns the level lists of one-hot and ordinal ops into code -> level index
  // tables over the final code space.
  void FinishLevelTables() {
    const size_t num_codes = plan_->code_names.size();
    for (TransformOp& op : plan_->ops) {
      if (op.kind != OpKind::kOneHot && op.kind != OpKind::kOrdinal) continue;
      std::vector<int32_t> table(num_codes, -1);
      for (size_t i = 0; i < op.level_of_code.size(); ++i) {
        table[static_cast<size_t>(op.level_of_code[i])] = static_cast<int32_t>(i);
      }
      op.level_of_code = std::move(table);
    }
  }

  void CompileGlm(const GlmModel& glm) {
    plan_->is_glm = true;
    GlmPlan& g = plan_->glm;
    g.family = glm.family;
    g.link = glm.link;
    g.num_predictors = static_cast<int>(glm.intercepts.size());
    g.intercepts = glm.intercepts;
    g.coefficients = glm.coefficients;
    g.means = glm.feature_means.empty() ? std::vector<double>(static_cast<size_t>(plan_->num_features), 0.0)
                                        : glm.feature_means;
    g.offset_slot = glm.offset.empty() ? -1 : Slot(glm.offset);
  }

  void CompileClustering(const ClusteringModel& clustering) {
    plan_->is_clustering = true;
    ClusterPlan& c = plan_->cluster;
    const size_t f = static_cast<size_t>(plan_->num_features);
    c.measure = clustering.measure;
    c.similarity = IsSimilarity(clustering.measure);
    c.num_clusters = static_cast<int>(plan_->pipeline.model.classes.size());
    c.p = clustering.minkowski_p;
    c.compare = clustering.compare;
    c.weights = clustering.field_weights;
    c.scale_squared.assign(f, 1.0);
    for (size_t i = 0; i < f && !clustering.similarity_scale.empty(); ++i) {
      const double s = clustering.similarity_scale[i];
      if (s > 0.0) c.scale_squared[i] = s * s;
    }
    c.missing_weights = clustering.missing_weights.empty() ? std::vector<double>(f, 1.0) : clustering.missing_weights;
    c.total_missing_weight = 0.0;
    for (double q : c.missing_weights) c.total_missing_weight += q;
    c.binary = clustering.binary;
    c.centers = clustering.centers;
    c.tables = clustering.tables;
    if (c.tables.empty()) return;
    c.table_row_of_code.resize(f);
    for (size_t i = 0; i < f; ++i) {
      if (c.tables[i].levels.empty()) continue;
      c.table_row_of_code[i].assign(plan_->code_names.size(), -1);
      for (size_t r = 0; r < c.tables[i].levels.size(); ++r) {
        c.table_row_of_code[i][static_cast<size_t>(Code(c.tables[i].levels[r]))] = static_cast<int32_t>(r);
      }
    }
  }

  template <typename T>
  void CompileForest(const TreeEnsembleModel& ensemble, Forest<T>* forest) {
    const int num_features = plan_->num_features;
    forest->num_outputs = ensemble.num_outputs;
    forest->num_features = num_features;
    forest->stride = 2 * static_cast<size_t>(num_features) + 1;
    forest->num_codes = static_cast<uint32_t>(plan_->code_names.size());
    forest->cat_words = (forest->num_codes + 63) / 64;
    plan_->aggregation = ensemble.aggregation;
    plan_->output_transform = ensemble.output_transform;
    plan_->base_score = ensemble.base_score;
    plan_->num_trees = ensemble.trees.size();
    for (const Tree& tree : ensemble.trees) {
      if (tree.leaf_width != 1) forest->has_vector_leaves = true;
      for (const auto& levels : tree.category_levels) {
        if (!levels.empty()) forest->has_categorical = true;
      }
    }
    forest->one_output_sum = ensemble.num_outputs == 1 && !forest->has_vector_leaves;
    for (size_t t = 0; t < ensemble.trees.size(); ++t) {
      const Tree& tree = ensemble.trees[t];
      ShapTree shap;
      LayOutTree(tree, forest, &shap);
      const int depth = TreeDepth(tree);
      plan_->max_depth = std::max(plan_->max_depth, depth);
      forest->depths.push_back(static_cast<uint32_t>(depth));
      forest->tree_output.push_back(tree.leaf_width == 1 ? tree.output : -1);
      if (tree.cover.empty() || depth > kMaxShapDepth) {
        if (plan_->can_explain) {
          plan_->can_explain = false;
          plan_->explain_error =
              tree.cover.empty()
                  ? "explanations need node cover, and model.trees[" + std::to_string(t) + "] has none"
                  : "model.trees[" + std::to_string(t) + "] is deeper than " + std::to_string(kMaxShapDepth) +
                        " levels, too deep to explain";
        }
      } else {
        shap.cover = tree.cover;
        shap.leaf_values = tree.leaf_values.data();
        shap.leaf_width = tree.leaf_width;
        shap.output = tree.output;
        shap.depth = depth;
        ComputeExpectedValues(&shap, ensemble.num_outputs);
        plan_->shap_trees.push_back(std::move(shap));
      }
    }
    if (forest->nodes.size() * sizeof(FlatNode<T>) > kLargeForestBytes) plan_->block_rows = kLargeBlockRows;
    if (!plan_->can_explain) {
      plan_->shap_trees.clear();
      return;
    }
    const double n = static_cast<double>(ensemble.trees.size());
    const double scale = plan_->aggregation == Aggregation::kAverage && n > 0 ? 1.0 / n : 1.0;
    plan_->expected_margin.assign(static_cast<size_t>(ensemble.num_outputs), 0.0);
    for (int o = 0; o < ensemble.num_outputs; ++o) {
      double sum = 0.0;
      for (const ShapTree& shap : plan_->shap_trees) sum += shap.expected[static_cast<size_t>(o)];
      plan_->expected_margin[static_cast<size_t>(o)] = ensemble.base_score[static_cast<size_t>(o)] + sum * scale;
    }
  }

  // Appends `tree` to the forest so that each internal node's children are
  // adjacent (right = left + 1) and leaves loop on themselves. Nodes are
  // packed by cache line (kLineNodes compact nodes, the tree starting on a
  // line boundary): a line holds a sibling pair and, breadth first, as many
  // of its descendant pairs as fit (the root line: the root and the first
  // levels), so a walk touches about one line per two levels instead of one
  // per level below the top. Pairs that do not fit start lines of their own,
  // or fill the room left in another line. Unused slots (few) are padding
  // leaves that no walk reaches.
  template <typename T>
  void LayOutTree(const Tree& tree, Forest<T>* forest, ShapTree* shap) {
    constexpr uint32_t kLineNodes = 64 / sizeof(CompactNode);
    const size_t n = tree.left.size();
    shap->left = tree.left;
    shap->right = tree.right;
    shap->feature = tree.feature;
    shap->flat.assign(n, 0);
    const uint32_t sentinel = 2 * static_cast<uint32_t>(forest->num_features);
    const uint32_t base =
        (static_cast<uint32_t>(forest->nodes.size()) + kLineNodes - 1) / kLineNodes * kLineNodes;
    std::vector<uint32_t> pos(n, 0);
    pos[0] = base;
    uint32_t end = base + 1;        // one past the last placed node
    uint32_t next_line = base + kLineNodes;
    std::vector<int32_t> pending;   // parents whose children pair starts a new line
    std::vector<int32_t> local;
    size_t next_pending = 0;
    // Places children pairs breadth first from `first` into the line at
    // `line` with `used` slots taken; when they run out and the line has
    // room, the next pending pairs (and theirs) fill it, so lines have few
    // holes.
    auto fill = [&](uint32_t line, uint32_t used, int32_t first) {
      local.assign(1, first);
      for (size_t q = 0;; ++q) {
        if (q == local.size()) {
          if (used + 2 > kLineNodes || next_pending == pending.size()) break;
          local.push_back(pending[next_pending++]);
        }
        const size_t p = static_cast<size_t>(local[q]);
        if (used + 2 > kLineNodes) {
          pending.push_back(local[q]);
          continue;
        }
        const uint32_t at = line + used;
        used += 2;
        pos[static_cast<size_t>(tree.left[p])] = at;
        pos[static_cast<size_t>(tree.right[p])] = at + 1;
        end = std::max(end, at + 2);
        if (tree.left[static_cast<size_t>(tree.left[p])] >= 0) local.push_back(tree.left[p]);
        if (tree.left[static_cast<size_t>(tree.right[p])] >= 0) local.push_back(tree.right[p]);
      }
    };
    if (tree.left[0] >= 0) fill(base, 1, 0);
    while (next_pending < pending.size()) {
      const uint32_t line = next_line;
      next_line += kLineNodes;
      fill(line, 0, pending[next_pending++]);
    }
    FlatNode<T> padding{};
    padding.feature = sentinel;
    const size_t first_new = forest->nodes.size();
    forest->nodes.resize(end, padding);
    for (size_t at = first_new; at < end; ++at) forest->nodes[at].left = static_cast<uint32_t>(at);
    forest->roots.push_back(base);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t at = pos[i];
      shap->flat[i] = at;
      FlatNode<T> flat{};
      if (tree.left[i] < 0) {
        flat.feature = sentinel;  // the -inf sentinel
        flat.left = at;
        if (tree.leaf_width == 1) {
          flat.value = static_cast<T>(tree.leaf_values[i]);
        } else {
          flat.value = T(0);
          if (forest->leaf_offset.size() <= at) forest->leaf_offset.resize(at + 1, 0);
          forest->leaf_offset[at] = static_cast<uint32_t>(forest->leaf_pool.size());
          for (int32_t k = 0; k < tree.leaf_width; ++k) {
            forest->leaf_pool.push_back(static_cast<T>(tree.leaf_values[i * static_cast<size_t>(tree.leaf_width) + static_cast<size_t>(k)]));
          }
        }
      } else {
        const uint32_t feature = static_cast<uint32_t>(tree.feature[i]);
        const bool categorical = !tree.category_levels.empty() && !tree.category_levels[i].empty();
        flat.feature = 2 * feature + (tree.default_left[i] ? 1u : 0u);
        if (categorical) {
          flat.feature = 2 * feature | kCategoricalBit | (tree.default_left[i] ? 0u : kDefaultRightBit);
          const size_t set = forest->cat_words == 0 ? 0 : forest->cat_bits.size() / forest->cat_words;
          forest->cat_bits.resize(forest->cat_bits.size() + forest->cat_words, 0);
          uint64_t* bits = forest->cat_bits.data() + set * forest->cat_words;
          for (const std::string& level : tree.category_levels[i]) {
            const uint32_t code = static_cast<uint32_t>(plan_->level_codes.find(level)->second);
            bits[code >> 6] |= uint64_t{1} << (code & 63);
          }
          flat.value = static_cast<T>(set);
        } else {
          flat.value = static_cast<T>(tree.threshold[i]);
        }
        flat.left = pos[static_cast<size_t>(tree.left[i])];
        assert(pos[static_cast<size_t>(tree.right[i])] == flat.left + 1);
      }
      forest->nodes[at] = flat;
    }
    if (forest->has_vector_leaves) forest->leaf_offset.resize(forest->nodes.size(), 0);
  }

  std::unique_ptr<Plan> plan_;
  PipelineColumns columns_;
  std::vector<ColumnType> derived_types_;  // post.outputs
};

}  // namespace

Result<std::unique_ptr<Plan>> CompilePlan(const Pipeline& pipeline) {
  return Compiler(pipeline).Run();
}

}  // namespace podium::engine::internal
