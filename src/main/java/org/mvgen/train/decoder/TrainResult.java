package org.mvgen.train.decoder;

import java.nio.file.Path;

/**
 * What a training run achieved.
 *
 * @param runDir the run folder
 * @param bundle the model bundle written at the end (also when interrupted)
 * @param steps steps completed in total
 * @param firstLoss training loss of the first step of this process (smoothed later ones compare
 *     with it)
 * @param finalLoss smoothed training loss at the end
 * @param validationLoss last validation loss (NaN without validation pairs)
 * @param validationPsnr last validation PSNR in dB on 8-bit frames (NaN without validation)
 * @param samplesPerSecond training throughput of this process
 * @param interrupted stopped early by Ctrl-C or {@link org.mvgen.train.Trainer#requestStop()}
 */
public record TrainResult(
    Path runDir,
    Path bundle,
    long steps,
    double firstLoss,
    double finalLoss,
    double validationLoss,
    double validationPsnr,
    double samplesPerSecond,
    boolean interrupted) {}
