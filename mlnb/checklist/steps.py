"""The ten things that most often go wrong in an ML project, as a checklist.

Step ids are stable: Python, the ``%mlcheck`` magics, the JupyterLab panel and the
docs all use them. The guiding questions follow the talk "10 Things That Can Go
Wrong with ML Projects (and what you can do about it)".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Step", "STEPS", "STEP_IDS", "get_step", "STATUSES"]

#: Statuses a check result can carry, from best to worst ("info" has no verdict).
STATUSES = ("pass", "info", "warn", "fail")


@dataclass(frozen=True)
class Step:
    """One step of the checklist.

    Attributes
    ----------
    number:
        Position 1..10 in the checklist.
    id:
        Stable identifier (``"imbalance"``).
    title:
        What goes wrong, as the talk names it.
    group:
        The talk's section (Building a model, Model accuracy, ...).
    questions:
        Questions to answer for this step.
    remedies:
        What helps, in a few words each.
    entry_points:
        Public mlnb functions and widgets that serve this step (only ones that exist).
    commands:
        ``%mlcheck`` command lines for this step (only ones that exist).
    starter:
        A ready-to-edit code cell that runs the step's check.
    """

    number: int
    id: str
    title: str
    group: str
    questions: tuple[str, ...]
    remedies: tuple[str, ...]
    entry_points: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    starter: str = ""

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "id": self.id,
            "title": self.title,
            "group": self.group,
            "questions": list(self.questions),
            "remedies": list(self.remedies),
            "entry_points": list(self.entry_points),
            "commands": list(self.commands),
            "starter": self.starter,
        }


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "problem",
        "You aren't solving the right problem",
        "Building a model",
        (
            "What goal is the model trying to achieve, and for which users?",
            "Is the problem a good fit for ML (prediction, automation, "
            "personalisation)?",
            "How will you tell whether the model is good or bad: what is the "
            "success metric?",
            "What is your baseline?",
        ),
        (
            "Write down the goal and success metric before modelling",
            "Compute baselines so that 'good' has a meaning",
            "Involve users at each stage; be flexible on tactics",
        ),
        entry_points=("mlnb.goal()", "mlnb.baselines()", "mlnb.current_goal()"),
        commands=(
            "%mlcheck goal --task binary --metric roc_auc --target 0.85",
            "%mlcheck baselines DF --label COL --test-size 0.2",
            "%mlcheck baselines DF --label COL --test TEST_DF",
        ),
        starter=(
            "%load_ext mlnb\n"
            "import mlnb\n"
            "# Write the goal down before modelling: task, success metric, target\n"
            'display(mlnb.goal(task="binary", metric="roc_auc", target=0.85,\n'
            '                  users="WHO USES THE PREDICTIONS",\n'
            '                  decision="WHAT THEY DECIDE WITH THEM"))\n'
            "# What models that learn nothing score on your labels\n"
            "mlnb.baselines(y_train, y_test)"
        ),
    ),
    Step(
        2,
        "prototype",
        "Jumping into development without a prototype",
        "Building a model",
        (
            "Have you built a simple model first?",
            "What did the prototype tell you about hidden requirements, "
            "implementation challenges and scope?",
            "How does it compare with the baselines?",
        ),
        (
            "Start with a simple model and refine it iteratively",
            "Automate common ML tasks to iterate faster",
        ),
        entry_points=("mlnb.prototype()",),
        commands=(
            "%mlcheck prototype DF --label COL",
            "%mlcheck prototype DF --label COL --time COL",
            "%mlcheck prototype DF --label COL --group COL",
        ),
        starter=(
            "%load_ext mlnb\n"
            "# df: one row per example with the label; --time COL splits by time,\n"
            "# --group COL keeps each entity on one side of the split\n"
            "%mlcheck prototype df --label LABEL_COLUMN"
        ),
    ),
    Step(
        3,
        "training",
        "The training process is slowing your team down",
        "Building a model",
        (
            "How long does one training run take?",
            "Are you using the accelerators (GPU/TPU) you have?",
            "Could training run as a managed job, distributed, or with parallel "
            "hyperparameter-tuning trials?",
        ),
        (
            "Train on accelerators; distribute training",
            "Run serverless training and parallel hyperparameter tuning",
        ),
        entry_points=(
            "mlnb.accelerators()",
            "mlnb.train.launch()",
            "mlnb.train.automl_tabular()",
            "mlnb.TrainingLauncher",
        ),
        commands=(
            "%mlcheck train SCRIPT --trials 8 --parallel 2 --param lr=1e-4:1e-1:log "
            "--metric auc",
            "%mlcheck train SCRIPT --backend vertex --machine n1-standard-4 "
            "--accelerator NVIDIA_TESLA_T4 --image IMAGE",
        ),
        starter=(
            "%load_ext mlnb\n"
            "import mlnb\n"
            "# The GPUs this machine has (or 'none', said plainly), and the machine\n"
            "# and accelerator types Vertex AI training offers\n"
            "mlnb.accelerators()\n"
            "# Then run your training script as trials of a search, watched live:\n"
            "# mlnb.TrainingLauncher('train.py', metric='auc', max_trials=8)"
        ),
    ),
    Step(
        4,
        "imbalance",
        "You have an imbalanced dataset",
        "Model accuracy",
        (
            "How are the classes distributed?",
            "What accuracy would always predicting the majority class give "
            "(the accuracy trap)?",
            "How can you balance accuracy across each class: weights, "
            "over/undersampling, synthetic data?",
            "Which optimisation objective fits your goal: AUC-PR, AUC-ROC or log loss?",
            "At which threshold should the model operate: which precision and "
            "recall do you need?",
        ),
        (
            "Weight each class",
            "Oversample the minority or undersample the majority",
            "Generate synthetic minority examples (SMOTE)",
            "Optimise AUC-PR when the positive class is rare; move the threshold",
        ),
        entry_points=(
            "mlnb.imbalance()",
            "mlnb.thresholds()",
            "mlnb.widgets.ImbalanceExplorer",
        ),
        commands=(
            "%mlcheck imbalance DF --label COL",
            "%mlcheck imbalance DF --label COL --score COL",
        ),
        starter=(
            "%load_ext mlnb\n"
            "# df: a DataFrame with the label column (and, once you have a model, "
            "its scores)\n"
            "%mlcheck imbalance df --label LABEL_COLUMN"
        ),
    ),
    Step(
        5,
        "accuracy",
        "Model accuracy is not good enough",
        "Model accuracy",
        (
            "Would more, or more varied, training data help (learning curve)?",
            "Is the model overfitting (train/validation gap)?",
            "Which features help, which hurt (feature engineering, ablation)?",
            "Have you tried other architectures, hyperparameter tuning and ensembles?",
        ),
        (
            "Improve domain expertise; add more, varied data",
            "Engineer features; remove features that overfit",
            "Try other model families, tuning and ensembles",
        ),
        entry_points=("mlnb.diagnose()",),
        commands=(
            "%mlcheck diagnose MODEL X y",
            "%mlcheck diagnose MODEL X y --cv 5 --scoring roc_auc",
            "%mlcheck diagnose MODEL X y --valid X_VALID Y_VALID",
        ),
        starter=(
            "%load_ext mlnb\n"
            "# model: an unfitted scikit-learn estimator or Pipeline;\n"
            "# X_train, y_train: the training features and labels\n"
            "%mlcheck diagnose model X_train y_train --cv 5"
        ),
    ),
    Step(
        6,
        "fairness",
        "The model doesn't serve all of your users well",
        "Transparency and fairness",
        (
            "Is the data representative of all the groups you serve?",
            "How does the model perform per slice (group) of users?",
            "Which slices are significantly worse, and why?",
            "What happens when you edit a data point (what-if, counterfactuals)?",
        ),
        (
            "Compute metrics per slice with confidence intervals",
            "Probe the model with what-if edits and counterfactuals",
            "Adjust thresholds per group or collect more data for weak slices",
        ),
        entry_points=(
            "mlnb.sliced_metrics()",
            "mlnb.sliced_metrics(..., engine='tfma')",
            "mlnb.widgets.SlicedMetricsView",
            "mlnb.WhatIf",
            "mlnb.fair_thresholds()",
            "mlnb.nearest_counterfactual()",
            "mlnb.partial_dependence()",
            "mlnb.WitConfigBuilder",
        ),
        commands=(
            "%mlcheck slices DF --label COL --score COL --by COL[,COL...]",
            "%mlcheck slices DF --label COL --prediction COL --by COL*COL",
            "%mlcheck whatif MODEL DF --label COL --sensitive COL",
        ),
        starter=(
            "%load_ext mlnb\n"
            "# df: one row per example with the label, the model's score and the "
            "columns to slice by\n"
            "%mlcheck slices df --label LABEL --score SCORE --by COLUMN,OTHER_COLUMN"
        ),
    ),
    Step(
        7,
        "explainability",
        "It's unclear how your model works",
        "Transparency and fairness",
        (
            "How does the model make its predictions (global attributions)?",
            "Why did it predict this for this example (local attributions)?",
            "Under what conditions does it perform best; where are its blind spots?",
            "Is the model documented (a model card)?",
        ),
        (
            "Compute feature attributions",
            "Document the model with a model card",
        ),
        entry_points=("mlnb.explain()", "mlnb.partial_dependence()"),
        commands=(
            "%mlcheck explain MODEL X",
            "%mlcheck explain MODEL X --method sampling --max-rows 200",
        ),
        starter=(
            "%load_ext mlnb\n"
            "import mlnb\n"
            "# model: a fitted model or predict function; X: rows with its columns\n"
            "explanation = mlnb.explain(model, X)\n"
            "display(explanation)\n"
            "explanation.plot_example(0)  # why the model predicted this for row 0"
        ),
    ),
    Step(
        8,
        "deployment",
        "You accidentally push a bad model into production",
        "MLOps",
        (
            "Is the incoming data validated against a schema?",
            "Is the candidate evaluated against the current model before release?",
            "Is deployment conditional on passing that evaluation?",
            "Is the workflow reproducible and its artifacts tracked?",
        ),
        (
            "Validate data; evaluate the candidate against a baseline",
            "Deploy conditionally from a reproducible pipeline",
        ),
        entry_points=(
            "mlnb.schema()",
            "mlnb.validate_data()",
            "mlnb.gate()",
            "mlnb.registry()",
            "mlnb.promote()",
            "mlnb.Pipeline",
        ),
        commands=(
            "%mlcheck schema TRAIN_DF --save schema.json",
            "%mlcheck validate DF --schema schema.json --reference TRAIN_DF",
            "%mlcheck gate CANDIDATE BASELINE DF --label COL --min roc_auc=0.8 "
            "--max-drop roc_auc=0.01",
            "%mlcheck gate CANDIDATE DF --label COL --min roc_auc=0.8 --slices COL",
            "%mlcheck promote MODEL DECISION --registry PATH --name NAME",
            "%mlcheck rollback --registry PATH --name NAME",
        ),
        starter=(
            "%load_ext mlnb\n"
            "import mlnb\n"
            "# The schema of the training data (edit it, save it as JSON), then the\n"
            "# anomalies of new data against it (and skew against the training data)\n"
            "schema = mlnb.schema(train_df)\n"
            "validation = mlnb.validate_data(new_df, schema, reference=train_df)\n"
            "# Bless a candidate only if it holds up overall and on every slice\n"
            "# against the registry's champion; promote only then (rollback() undoes)\n"
            "registry = mlnb.registry('mlnb-registry')\n"
            "# champion = registry.load('MODEL_NAME')  # once there is one\n"
            "# decision = mlnb.gate(candidate, champion, data=test_df,\n"
            "#     label='LABEL_COLUMN',\n"
            "#     thresholds=[mlnb.ValueThreshold('roc_auc', lower=0.8),\n"
            "#                 mlnb.ChangeThreshold('roc_auc', absolute=-0.01)],\n"
            "#     slices=['SLICE_COLUMN'])\n"
            "# mlnb.promote(candidate, decision, registry=registry,\n"
            "#     name='MODEL_NAME', validation=validation, schema=schema)"
        ),
    ),
    Step(
        9,
        "drift",
        "Your model accuracy is drifting downward",
        "MLOps",
        (
            "Have the distributions of the features moved since training?",
            "Is there skew between training and serving data?",
            "Do you compare predictions with ground truth as it arrives "
            "(continuous evaluation)?",
            "Who is notified when accuracy falls below a threshold?",
        ),
        (
            "Monitor drift and skew per feature",
            "Evaluate continuously against ground truth; alert on thresholds",
            "Retrain continuously from a pipeline",
        ),
        entry_points=(
            "mlnb.drift()",
            "mlnb.skew()",
            "mlnb.profile()",
            "mlnb.drift_over_time()",
            "mlnb.ContinuousEvaluator",
            "mlnb.widgets.DriftChart",
        ),
        commands=(
            "%mlcheck drift REFERENCE CURRENT",
            "%mlcheck drift REFERENCE CURRENT --time COL --freq 7D",
            "%mlcheck drift 'profile.json' CURRENT --method psi",
        ),
        starter=(
            "%load_ext mlnb\n"
            "# reference: the training data (or a saved profile); current: recent "
            "serving data\n"
            "%mlcheck drift reference current"
        ),
    ),
    Step(
        10,
        "serving",
        "Model inference isn't scaling well in production",
        "MLOps",
        (
            "What are the latency percentiles and throughput at your load?",
            "How do batch size and concurrency change them?",
            "How many replicas do you need; does serving autoscale?",
        ),
        (
            "Load-test the model server",
            "Batch requests; size replicas; autoscale endpoints",
        ),
    ),
)

STEP_IDS: tuple[str, ...] = tuple(step.id for step in STEPS)
_BY_ID = {step.id: step for step in STEPS}


def get_step(step_id: str) -> Step:
    """Return the :class:`Step` with this id.

    Raises
    ------
    MlnbValueError
        If the id is not one of :data:`STEP_IDS` (the message lists them).
    """
    from ..errors import MlnbValueError

    key = str(step_id).strip().lower()
    if key.isdigit() and 1 <= int(key) <= len(STEPS):
        return STEPS[int(key) - 1]
    try:
        return _BY_ID[key]
    except KeyError:
        raise MlnbValueError(
            f"unknown step {step_id!r}; expected one of: {', '.join(STEP_IDS)} "
            "(or its number 1-10)"
        ) from None
