package org.mvgen;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.LocationProvider;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The house rules of {@code STYLE.md} as a build failure: a stage depends only on stages to its
 * left and on the shared types at the root of {@code org.mvgen}; picocli stays in {@code cli};
 * FFmpeg stays in {@code media}. {@code docs/architecture.md} explains the order.
 *
 * <p>Only production classes are checked: tests may reach across stages.
 */
@AnalyzeClasses(
    locations = ArchitectureTest.MainClasses.class,
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  /**
   * mvgen's compiled main classes, one folder: asking the class path for the package instead opens
   * every jar on it (libtorch's among them), which takes seconds.
   */
  static final class MainClasses implements LocationProvider {
    @Override
    public Set<Location> get(Class<?> testClass) {
      return Set.of(
          Location.of(MvgenException.class.getProtectionDomain().getCodeSource().getLocation()));
    }
  }

  /** A stage: a name and the packages that make it. {@code ..} includes subpackages. */
  record Stage(String name, String... packages) {}

  /**
   * Every stage, leftmost first. A stage may use the stages before it, never those after it. A
   * class in a package no stage names fails the rule: add its package here, in its place.
   */
  static final List<Stage> ORDER =
      List.of(
          new Stage("util", "org.mvgen.util.."),
          new Stage("config", "org.mvgen.config.."),
          new Stage("torch", "org.mvgen.torch.."),
          // The generic training loop sits beside torch, below every model: it knows no stage,
          // so a task (train.decoder, a RAVE task) can use it and never the other way round.
          new Stage("train", "org.mvgen.train"),
          // Processes of a data-parallel run (c10d): a property of the loop, not of a model.
          new Stage("train.dist", "org.mvgen.train.dist.."),
          new Stage("media", "org.mvgen.media.."),
          new Stage("audio", "org.mvgen.audio.."),
          new Stage("dataset", "org.mvgen.dataset.."),
          new Stage("encoder", "org.mvgen.encoder.."),
          // RAVE exports as encoders, RAVE training data (rave.data), the RAVE network
          // (rave.model).
          new Stage("rave", "org.mvgen.rave.."),
          new Stage("decoder", "org.mvgen.decoder.."),
          // The decoder's training task: the decoder network on the generic loop.
          new Stage("train.decoder", "org.mvgen.train.decoder.."),
          new Stage("eval", "org.mvgen.eval.."),
          new Stage("generate", "org.mvgen.generate.."),
          new Stage("cli", "org.mvgen.cli.."));

  /** The shared types at the root ({@code MvgenException} ...): every stage may use them. */
  static final String SHARED = "org.mvgen";

  /** The layered rule for a stage order: each stage may use only the stages left of it. */
  static LayeredArchitecture stagesInOrder(List<Stage> order) {
    LayeredArchitecture rule =
        layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .ensureAllClassesAreContainedInArchitecture()
            .layer("shared")
            .definedBy(SHARED);
    for (Stage stage : order) {
      rule = rule.layer(stage.name()).definedBy(stage.packages());
    }
    rule = rule.whereLayer("shared").mayNotAccessAnyLayer();
    List<String> left = new ArrayList<>(List.of("shared"));
    for (Stage stage : order) {
      rule = rule.whereLayer(stage.name()).mayOnlyAccessLayers(left.toArray(String[]::new));
      left.add(stage.name());
    }
    return rule;
  }

  @ArchTest
  static final ArchRule stagesDependOnlyOnStagesToTheirLeft =
      stagesInOrder(ORDER)
          .because("a stage depends only on stages to its left and on shared types (STYLE.md)");

  // train sits left of the models so that their tasks can use it; the models themselves must not.
  @ArchTest
  static final ArchRule modelsDoNotDependOnTraining =
      noClasses()
          .that()
          .resideInAnyPackage(
              "org.mvgen.media..",
              "org.mvgen.audio..",
              "org.mvgen.dataset..",
              "org.mvgen.encoder..",
              "org.mvgen.decoder..",
              "org.mvgen.eval..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.mvgen.train..")
          .because(
              "a model's training is a task in its own package (train.decoder): inference and data"
                  + " never depend on training");

  @ArchTest
  static final ArchRule picocliStaysInCli =
      noClasses()
          .that()
          .resideOutsideOfPackage("org.mvgen.cli..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("picocli..")
          .because("cli wires the stages; nothing below cli knows about picocli (STYLE.md)");

  /** What media keeps to itself: JavaCV's FFmpeg grabber and recorder, and FFmpeg's bindings. */
  static ArchRule ffmpegOnlyIn(String... packages) {
    return noClasses()
        .that()
        .resideOutsideOfPackages(packages)
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("org.bytedeco.javacv.FFmpegFrameGrabber")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("org.bytedeco.javacv.FFmpegFrameRecorder")
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("org.bytedeco.ffmpeg..");
  }

  @ArchTest
  static final ArchRule ffmpegStaysInMedia =
      ffmpegOnlyIn("org.mvgen.media..")
          .because("FFmpeg contexts are opened, owned and closed only in media (STYLE.md)");

  // The rules above must be able to fail: the same rules over a wrong order or a wrong owner
  // find violations in the code as it is.

  @ArchTest
  static void theStageRuleCatchesADependencyToTheRight(JavaClasses classes) {
    List<Stage> reversed = new ArrayList<>(ORDER);
    Collections.reverse(reversed);
    assertTrue(stagesInOrder(reversed).evaluate(classes).hasViolation());
  }

  @ArchTest
  static void theOwnershipRulesCatchAUseOutsideTheirOwner(JavaClasses classes) {
    assertTrue(
        noClasses()
            .that()
            .resideOutsideOfPackage("org.mvgen.media..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("picocli..")
            .evaluate(classes)
            .hasViolation());
    assertTrue(ffmpegOnlyIn("org.mvgen.cli..").evaluate(classes).hasViolation());
  }
}
