// The prose of each section. `when`: when it fires; `also`: other triggers; `exampleNote`, `fixNote`.
export const TEXT = {
  MLS001: {
    when: 'The file is not valid YAML: an unclosed `[`, `{` or quote, a line indented with a tab, inconsistent indentation, or a plain (unquoted) value that contains `: ` or starts with `@`, `` ` `` or `%`. The message is the YAML parser\'s own and the position is where the parser gave up, which can be the line after the real mistake (an unclosed bracket is reported where the file ends). Nothing else in that file is checked until it parses. This code covers `mlsteps.yml`, run configurations and SDK v1 `.runconfig` files; a conda file that does not parse is [MLS132](#mls132--conda-file-does-not-parse).',
    exampleNote: 'The `: ` inside the unquoted command makes YAML read `a: b` as a nested mapping.',
    fixNote: 'Quote any value that contains `: ` or ` #`.',
  },
  MLS002: {
    when: 'A mapping has the same key twice. YAML forbids it, and tools that accept it silently keep one of the two values. The position is the second occurrence.',
    fixNote: 'Keep one of the two keys.',
  },
  MLS003: {
    when: 'The project file or a run configuration cannot be used as text:\n\n- it is not UTF-8: it contains NUL bytes or invalid UTF-8, as a file saved as UTF-16 (Windows PowerShell 5.1\'s `>` and `Out-File` write UTF-16) or as Latin-1 does — message `file is not UTF-8 text (binary content)`;\n- it is larger than 2 MiB — message `file is 3.0 MiB; run configurations and project files are limited to 2 MiB` (the file is refused before it is read);\n- the operating system refuses to read it — message `cannot read file: ` and the system\'s error code, such as `EACCES`.\n\nThe position is always line 1, column 1. Unlike [MLS006](#mls006--no-project-file-or-run-configuration-at-the-given-path), this code makes `validate` exit with 1, not 2. A conda file that is not UTF-8 is reported as [MLS132](#mls132--conda-file-does-not-parse); one larger than 2 MiB is reported here (`conda file is 3.0 MiB; …`), refused before it is read.',
    exampleNote: 'The run configuration has the right content, but was saved as UTF-16 — what Windows PowerShell 5.1 writes with `>`:',
    fixNote: 'Save the file as UTF-8 (in PowerShell, `Set-Content -Encoding utf8`; in VS Code, "Save with Encoding" → UTF-8). The content does not change.',
  },
  MLS004: {
    when: 'The document is refused because reading it could exhaust memory, the stack or the time of a pull-request check:\n\n- it nests mappings and lists deeper than 64 levels — message `document nests deeper than 64 levels`, at the first mapping or list past the limit;\n- expanding its aliases (`*name`) would take more than 200 alias expansions, the shape of a "billion laughs" alias bomb — message `too many alias expansions (more than 200); …`, at line 1, column 1;\n- its `extends` chain (the run configuration, what it extends, what that extends, …) is longer than 32 run configurations — message `the extends chain of "NAME" is more than 32 run configurations long`, at its `extends`.\n\nReal run configurations nest five or six levels, use few aliases, if any, and extend one to three others.',
    exampleNote: 'Each line repeats the previous list ten times, so `d` alone would expand to 1,000 values:',
    fixNote: 'Write the run configuration out; an alias that repeats a value a few times is fine, aliases of aliases of aliases are not:',
  },
  MLS005: {
    when: 'The file parses but holds no mapping: it is empty, holds only comments, or its top level is a list or a single value. Messages: `the run configuration is empty`, `a run configuration must be a mapping of keys to values`, `the project file is empty`, `the project file must be a mapping of keys to values`. A run configuration reported here still counts as existing, so other run configurations that name it in `needs` or `extends` are not reported as well.',
    fixNote: 'Write the run configuration as a mapping:',
  },
  MLS006: {
    when: 'A PATH given to `mlsteps validate` does not exist (`nope does not exist`), or is a folder with neither `mlsteps.yml` nor `mlsteps.yaml` in it (`no mlsteps.yml in …`). The position is line 1, column 1 of the path as given (of `mlsteps.yml` in that folder for a folder), and no source line is shown. This is the one code that makes `validate` exit with 2 (unreadable input), like a usage error.',
    exampleNote: 'In the [example project](#the-example-project), a mistyped path:',
    fixNote: 'Pass a path that exists (see [PATH](#what-validate-checks)):',
  },
  MLS101: {
    when: 'A mapping has a key that the schema does not allow at that place: at the top of a run configuration or of `mlsteps.yml`, or inside a nested mapping (`limits`, `resources`, an input, an output, a catalog entry…). The hint names the closest allowed key (`did you mean "compute"?`) or, when nothing is close, lists the allowed keys if there are 12 or fewer. The position is the unknown key.',
    fixNote: 'Correct the key:',
  },
  MLS102: {
    when: 'A value has the wrong YAML type: a string where a number is expected, a list where a mapping is expected, and so on. The message says what was expected and what was found (`must be an integer, not the string "2h"`). Quoting changes the type: `"3600"` is a string, `3600` a number; `yes`/`no` are strings in YAML 1.2, only `true`/`false` are booleans. An `extends` that is not a name (`extends: false`, a list) is reported here too.',
    fixNote: '`limits.timeout` is a number of seconds:',
  },
  MLS103: {
    when: 'A value is not one of the fixed values the schema allows at that place: an input or output `type` or `mode`, a compute `type`, `sampling_algorithm`, an objective `goal`, and so on. It also fires for a job `type` mlsteps does not run (`job type "pipeline" is not supported`; mlsteps runs `command`, `sweep` and `spark` jobs). The hint names the closest allowed value or lists them.',
    fixNote: 'Use an allowed value:',
  },
  MLS104: {
    when: 'A run configuration names a compute (`compute: NAME`), an environment (`environment: NAME`) or a dataset (`{dataset: NAME}` under `inputs`) that is not in the matching catalog of `mlsteps.yml` (`computes:`, `environments:`, `datasets:`). Values that start with `azureml:` name assets that already exist in the workspace and are not checked here; `local` is always a compute; an `environment` ending in `.yml`/`.yaml` is a conda file path (see [MLS130](#mls130--file-or-folder-does-not-exist)).\n\nWhen run configuration files are validated on their own (PATH is a `.yml` file, not the project folder), there is no catalog: compute names are then taken to be workspace computes, but environment and dataset names are still reported.',
    fixNote: 'Name a compute from the catalog (`cpu`), add `cpu-cluster` under `computes:` in `mlsteps.yml`, or — if the cluster already exists in the workspace — refer to it with `azureml:`:',
  },
  MLS105: {
    when: 'A mapping lacks a key it must have: a command job without `command`, a catalog compute without `type`, a sweep without `search_space`, and so on. Run configurations are checked after `extends` is applied, so a required key may come from the run configuration a file extends. The position is the key of the incomplete mapping, or the first key of the file when the document itself lacks the key.',
    fixNote: 'Add the missing key:',
  },
  MLS106: {
    when: 'A value has the right type but the wrong form: a `name` or catalog name with characters other than letters, digits, `_`, `-` and `.` (`"-gpu" is not a valid name in "computes"`), a number out of range (`"limits.timeout" must be >= 1`, `"resources.instance_count" must be >= 1`), a `subscription_id` that is not a UUID, a workspace or resource-group name of the wrong form. The hint gives the allowed form or an example value when the schema has one.',
    fixNote: 'Names use letters, digits, `_`, `-` and `.`, and start with a letter or digit:',
  },
  MLS110: {
    when: 'An entry of `needs` is not the name of a run configuration of the project. A run configuration\'s name is its `name` key or, without one, its file name without the extension (`runconfigs/prep.yml` is `prep`). The position is the entry in `needs`. A run configuration that needs itself is [MLS112](#mls112--cycle-in-needs).',
    fixNote: 'Name an existing run configuration:',
  },
  MLS111: {
    when: '`extends` names something that is not a run configuration of the project (names as in [MLS110](#mls110--needs-names-an-unknown-run-configuration)). The run configuration is not checked further until its `extends` resolves.',
    fixNote: 'Extend an existing run configuration:',
  },
  MLS112: {
    when: 'The `needs` of run configurations form a loop, so no step can start first: `train` needs `prep` and `prep` needs `train`, or longer loops; also a run configuration that names itself in `needs` (`"train" needs itself`). Each loop is reported once, at the `needs` entry that closes it, with the whole loop in the message.',
    exampleNote: 'Two run configurations that wait for each other (`runconfigs/prep.yml` is a copy of `train.yml`):',
    fixNote: 'Remove the edge that should not be there; here `prep` runs first:',
  },
  MLS113: {
    when: 'The `extends` of run configurations form a loop (`a` extends `b`, `b` extends `a`), so there is nothing to inherit from. Each loop is reported once, with the whole loop in the message.',
    fixNote: 'Only the variant extends the base:',
  },
  MLS114: {
    when: 'Two run configuration files of the project have the same name — both set the same `name`, or one file\'s `name` equals another file\'s name without extension, or `train.yml` and `train.yaml` sit side by side and a pattern matches both. The file that comes second in path order is reported and left out; the position is its `name` key (the start of the file when the name comes from the file name).',
    fixNote: 'Give each run configuration its own name:',
  },
  MLS115: {
    when: 'A list under `profiles:` in `mlsteps.yml` names something that is not a run configuration of the project. The position is the entry in the list.',
    fixNote: 'List existing run configurations:',
  },
  MLS116: {
    when: 'A glob pattern in `runconfigs:` of `mlsteps.yml` matches no file. Patterns are relative to the folder of `mlsteps.yml`, skip `node_modules`, `.git`, `__pycache__`, `.venv` and `venv`, and do not follow symlinked folders. An entry without wildcards that names a missing file is [MLS130](#mls130--file-or-folder-does-not-exist) instead (an error).',
    fixNote: 'Remove the pattern, or create the files it should match:',
  },
  MLS120: {
    when: 'The command of a command job, the `trial.command` of a sweep or the `args` of a Spark job uses `${{inputs.NAME}}`, and the run configuration (after `extends`) has no input `NAME`. The position is the expression itself.',
    fixNote: 'Declare the input:',
  },
  MLS121: {
    when: 'An input is declared under `inputs:` but the command (a sweep\'s `trial.command`, a Spark job\'s `args`) never uses `${{inputs.NAME}}`, so it has no effect on the job. The position is the input\'s key.',
    fixNote: 'Pass the input to the script, or remove it:',
  },
  MLS122: {
    when: 'A sweep\'s `search_space` has a parameter that `trial.command` never reads with `${{search_space.NAME}}`. The sweep would try every value of it, but every trial would run the same. The position is the parameter\'s key.',
    fixNote: 'Pass the parameter to the trial:',
  },
  MLS123: {
    when: 'The command (a sweep\'s `trial.command`, a Spark job\'s `args`) uses `${{outputs.NAME}}` and the run configuration has no output `NAME`. The position is the expression itself.',
    fixNote: 'Use the declared output\'s name (or declare the output):',
  },
  MLS124: {
    when: 'A sweep\'s `trial.command` uses `${{search_space.NAME}}` and `search_space` has no parameter `NAME`. The position is the expression itself. In a command or Spark job, `${{search_space.…}}` is [MLS126](#mls126--unknown-expression).',
    fixNote: 'Add the parameter to the search space (or remove it from the command):',
  },
  MLS125: {
    when: 'An input binds the output of an earlier step — `${{needs.STEP.outputs.NAME}}` — or the best value a sweep found — `${{needs.STEP.best.PARAMETER}}` — and the binding does not resolve:\n\n- it has neither form (`${{needs.prep.prepared}} is not a binding mlsteps understands`);\n- `STEP` is not a run configuration of the project;\n- `STEP` is not listed in the run configuration\'s `needs`, so it would not be sure to run first;\n- `STEP` has no output `NAME`;\n- `best` is used on a step that is not a sweep, or the sweep has no parameter `PARAMETER`.\n\nThe position is the expression itself.',
    fixNote: 'List the step in `needs`:',
  },
  MLS126: {
    when: 'A command (a sweep\'s `trial.command`, a Spark job\'s `args`) contains a `${{…}}` expression mlsteps does not know. A command job can use `${{inputs.NAME}}` and `${{outputs.NAME}}`; a sweep\'s trial command can also use `${{search_space.NAME}}`. Anything else is reported: another scope (`${{run.id}}`), a scope without a name (`${{inputs}}`), `${{search_space.…}}` outside a sweep, or a `${{needs.…}}` binding written in the command instead of under `inputs:`. The position is the expression itself.',
    fixNote: 'Remove the expression, or bind the value to an input and use `${{inputs.NAME}}`:',
  },
  MLS127: {
    when: 'A sweep\'s sampling algorithm cannot work with its search space or its early termination policy, so Azure ML would refuse the job when it is submitted: `grid` sampling only searches `choice` parameters, and `bayesian` sampling only `choice`, `uniform` and `quniform` parameters and cannot be combined with `early_termination`. `random` sampling takes any search space. The position is the parameter\'s `type` (or the `early_termination` key).',
    exampleNote: 'A grid over a continuous parameter:',
    fixNote: 'Sample at random (or keep `grid` and list the values to try with `{type: choice, values: [...]}`):',
  },
  MLS130: {
    when: 'A file or folder a step needs does not exist:\n\n- the `code` folder (`code folder "../scr" does not exist`);\n- the script the command runs, looked up in the code folder (the first `.py`, `.R`, `.sh`, `.ipynb` or `.jl` file named in each part of the command);\n- a conda file (`conda_file` in a catalog or inline environment, or `environment: path/to/conda.yml`) and a Docker build context (`build.path`);\n- a Spark job\'s `entry.file`, `py_files`, `jars`, `files` and `archives`, looked up in the code folder;\n- an input\'s local `path`;\n- a dataset\'s `local_path`, when a step that uses the dataset runs locally;\n- an entry of `runconfigs:` without wildcards.\n\nRelative paths are resolved from the folder of the file that contains them (for scripts and Spark files, from the code folder). Remote references (`azureml:`, `https://`, `abfss://`, …) are not checked.',
    fixNote: 'Name the file that exists:',
  },
  MLS131: {
    when: 'A path leaves the repository — the nearest folder, from the project folder upward, that contains `.git` (the project folder itself if none does). It fires for every path [MLS130](#mls130--file-or-folder-does-not-exist) checks, and for run configuration files matched by `runconfigs:`, when the path goes outside either as written (`../../shared/src`) or after following a symlink (`… leaves the repository through a symlink`). It also fires when the code folder contains a symlink that points outside the repository — directly, or in a folder inside the repository that the code folder links to — since the code snapshot follows links and would upload what it points to; when the project file, a run configuration or a folder given on the command line (or to `mlsteps import`) is itself a symlink out of the repository — it is then not read at all; and when a `runconfigs:` pattern starts outside the repository (`../../*.yml`, `/etc/*`) — the folder is not listed. Windows drive letters (`C:\\data`, `C:/data`), UNC shares (`\\\\server\\share`) and backslash separators (`..\\..\\shared`) are read as a Windows agent reads them, on every operating system, so a path that leaves the repository on one agent is reported on all. Everything a step uses must be in the repository, so that a pull request shows it.',
    fixNote: 'Move what the step needs into the repository and point at it there:',
  },
  MLS132: {
    when: 'A conda file referenced by an environment is not valid YAML (the message is the YAML parser\'s, at its position in the conda file), is not UTF-8, or has no `dependencies` list (message ``conda file has no `dependencies` list``). The file is checked once however many environments use it.',
    fixNote: 'Close the list (or write it as a block list):',
  },
  MLS133: {
    when: 'A conda file\'s `dependencies` has no `python` entry; Azure ML environment builds need the conda file to name the interpreter. `python`, `python=3.10`, `python>=3.9` and `conda-forge::python=3.11` all count; a Python named only under `pip:` does not. The position is the `dependencies` key.',
    fixNote: 'Pin the interpreter:',
  },
  MLS140: {
    when: 'A run configuration with `type: spark` runs on a compute from the catalog whose `type` is not `spark` or `synapsespark` (an `amlcompute` cluster, a compute instance, a Kubernetes compute). Computes written as `azureml:NAME` and `local` are not checked. The hint lists the Spark computes of the catalog, or explains how to add one.',
    exampleNote: 'A Spark step (with `src/prep.py` next to `train.py`) on the CPU cluster:',
    fixNote: 'Add a Spark compute to the catalog and use it:',
  },
  MLS141: {
    when: 'A command or sweep job runs on a catalog compute of `type: spark` or `type: synapsespark`; those only run `type: spark` jobs.',
    fixNote: 'Run the command job on a cluster (keep the Spark compute for Spark jobs):',
  },
  MLS142: {
    when: 'A step that runs locally (`compute: local`, or a catalog compute of `type: local`) takes a catalog dataset as an input (`{dataset: NAME}`), and that dataset has no `local_path` — the copy of the data a local run reads. The position is the dataset name in the run configuration. When `local_path` is set but the file is missing, the code is [MLS130](#mls130--file-or-folder-does-not-exist).',
    fixNote: 'Give the dataset a `local_path` (here `data/credit.csv`, a small sample kept in the repository):',
  },
  MLS143: {
    when: 'A `type: spark` run configuration has neither a `compute` nor `resources.instance_type`, so there is nothing to run it on. A Spark job runs either on a Spark compute (a catalog compute of `type: spark` or `synapsespark`, or `azureml:NAME`) or on serverless Spark, sized by `resources`. The position is the start of the file.',
    exampleNote: 'A Spark step (with `src/prep.py` next to `train.py`) that says nothing about where it runs:',
    fixNote: 'Run it on serverless Spark (or name a Spark compute in `compute`):',
  },
  MLS160: {
    when: 'An Azure ML SDK v1 `.runconfig` file — validated directly (`mlsteps validate .azureml/train.runconfig`, or matched by `runconfigs:`) or rewritten with `mlsteps import` — has a setting the run-configuration format cannot express: a top-level key with no equivalent (`"tensorboard" has no run-configuration equivalent and was dropped`), a `framework` other than Python, PySpark, TensorFlow or PyTorch, an input that names its data by id only, or `dataReferences`. The setting is left out of the translation; the position is its key in the `.runconfig` file.',
    exampleNote: 'In the example project, an SDK v1 run configuration in `.azureml/`:',
    fixNote: 'Remove the setting once you have checked the job does not need it (or carry it over by hand to the run configuration `mlsteps import` writes):',
  },
};
